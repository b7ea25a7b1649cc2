#pragma once
// A small reader and writer of NumPy's .npy format (version 1.0-3.0), enough for event streams
// and labels: little-endian bool, int8..int64, uint8..uint64, float32 and float64 arrays in C
// order. Every problem with a file is an InputError naming it and what is wrong.

#include <cstdint>
#include <string>
#include <vector>

namespace stems::simulate {

struct NpyArray {
  std::string dtype;                 // as in the header, e.g. "|u1", "<f4"
  std::vector<std::uint64_t> shape;  // {} for a scalar
  std::vector<float> values;         // C order, converted to float

  std::uint64_t size() const;  // product of the shape
};

// Throws InputError(path, ...) for a missing, truncated or unsupported file.
NpyArray read_npy(const std::string& path);

enum class NpyType : std::uint8_t { U8, I64, F32 };

// The bytes of a version 1.0 .npy file holding `values` (C order) as `type`.
std::string npy_bytes(const std::vector<std::uint64_t>& shape, const std::vector<float>& values,
                      NpyType type);

// Writes it atomically (stems::write_file_atomically).
void write_npy(const std::string& path, const std::vector<std::uint64_t>& shape,
               const std::vector<float>& values, NpyType type);

}  // namespace stems::simulate
