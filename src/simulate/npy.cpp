#include "stems/simulate/npy.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "stems/common/atomic_file.hpp"
#include "stems/common/error.hpp"
#include "stems/common/names.hpp"

namespace stems::simulate {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The numpy dtype string each written type has in a header.
constexpr NameTable<NpyType, 3> kNpyDescr = {{
    {NpyType::U8, "|u1"},
    {NpyType::I64, "<i8"},
    {NpyType::F32, "<f4"},
}};

// Little-endian unsigned integer of `n` bytes at `p`.
std::uint64_t read_le(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

// The text after `'key':` in the header dict, trimmed of leading spaces.
std::string after_key(const std::string& header, const std::string& key, const std::string& path) {
  const std::string quoted = "'" + key + "'";
  const auto k = header.find(quoted);
  if (k == std::string::npos) throw InputError(path, "npy header has no '" + key + "'");
  auto c = header.find(':', k + quoted.size());
  if (c == std::string::npos) throw InputError(path, "npy header: malformed '" + key + "'");
  ++c;
  while (c < header.size() && header[c] == ' ')
    ++c;
  return header.substr(c);
}

struct Dtype {
  std::size_t bytes = 0;
  char kind = 0;  // 'b' bool, 'i' signed, 'u' unsigned, 'f' float
};

Dtype parse_dtype(const std::string& d, const std::string& path) {
  if (d.size() < 3 || (d[0] != '<' && d[0] != '|' && d[0] != '>' && d[0] != '=')) {
    throw InputError(path, "npy dtype '" + d + "' is not supported");
  }
  Dtype t;
  t.kind = d[1];
  try {
    t.bytes = std::stoul(d.substr(2));
  } catch (const std::exception&) {
    throw InputError(path, "npy dtype '" + d + "' is not supported");
  }
  const bool ok = (t.kind == 'b' && t.bytes == 1) ||
                  ((t.kind == 'i' || t.kind == 'u') &&
                   (t.bytes == 1 || t.bytes == 2 || t.bytes == 4 || t.bytes == 8)) ||
                  (t.kind == 'f' && (t.bytes == 4 || t.bytes == 8));
  if (!ok) {
    throw InputError(
        path, "npy dtype '" + d + "' is not supported; use bool, (u)int8..64, float32 or float64");
  }
  if (d[0] == '>' && t.bytes > 1) {
    throw InputError(path, "npy dtype '" + d + "' is big-endian; write little-endian data");
  }
  return t;
}

float convert(const unsigned char* p, const Dtype& t) {
  const std::uint64_t raw = read_le(p, t.bytes);
  switch (t.kind) {
    case 'b':
    case 'u':
      return static_cast<float>(raw);
    case 'i': {
      const unsigned shift = static_cast<unsigned>(64 - 8 * t.bytes);
      const auto s = static_cast<std::int64_t>(raw << shift) >> shift;  // sign-extend
      return static_cast<float>(s);
    }
    default:
      if (t.bytes == 4) {
        float f;
        const auto u = static_cast<std::uint32_t>(raw);
        std::memcpy(&f, &u, 4);
        return f;
      } else {
        double f;
        std::memcpy(&f, &raw, 8);
        return static_cast<float>(f);
      }
  }
}

}  // namespace

std::uint64_t NpyArray::size() const {
  std::uint64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open the file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) {
    throw InputError(path, "not a .npy file (no \\x93NUMPY magic)");
  }
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned major = u[6];
  if (major < 1 || major > 3) {
    throw InputError(path, "npy version " + std::to_string(major) + " is not supported");
  }
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) throw InputError(path, "truncated npy header");
  const std::uint64_t header_len = read_le(u + 8, len_bytes);
  const std::uint64_t data_at = 8 + len_bytes + header_len;
  if (data_at > bytes.size()) throw InputError(path, "truncated npy header");
  const std::string header = bytes.substr(8 + len_bytes, header_len);

  NpyArray a;
  std::string d = after_key(header, "descr", path);
  if (d.empty() || d[0] != '\'') throw InputError(path, "npy header: 'descr' is not a string");
  const auto close = d.find('\'', 1);
  if (close == std::string::npos) throw InputError(path, "npy header: malformed 'descr'");
  a.dtype = d.substr(1, close - 1);
  const Dtype t = parse_dtype(a.dtype, path);
  if (after_key(header, "fortran_order", path).rfind("False", 0) != 0) {
    throw InputError(path, "npy array is in Fortran order; save it in C order");
  }
  const std::string s = after_key(header, "shape", path);
  if (s.empty() || s[0] != '(') throw InputError(path, "npy header: 'shape' is not a tuple");
  const auto end = s.find(')');
  if (end == std::string::npos) throw InputError(path, "npy header: malformed 'shape'");
  std::stringstream dims(s.substr(1, end - 1));
  for (std::string item; std::getline(dims, item, ',');) {
    const auto first = item.find_first_not_of(" L");
    if (first == std::string::npos) continue;
    const std::string digits = item.substr(first, item.find_last_not_of(" L") - first + 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
        digits.size() > 12) {
      throw InputError(path, "npy header: bad dimension '" + digits + "' in 'shape'");
    }
    a.shape.push_back(std::stoull(digits));
  }
  std::uint64_t n = 1;
  for (auto x : a.shape) {
    if (x != 0 && n > (std::uint64_t{1} << 34) / x) {
      throw InputError(path, "npy array too large");
    }
    n *= x;
  }
  const std::uint64_t need = n * t.bytes;
  if (bytes.size() - data_at != need) {
    throw InputError(path, "npy data has " + std::to_string(bytes.size() - data_at) +
                               " bytes but the shape and dtype need " + std::to_string(need) +
                               (bytes.size() - data_at < need ? " (truncated file?)" : ""));
  }
  a.values.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    a.values[i] = convert(u + data_at + i * t.bytes, t);
    if (!std::isfinite(a.values[i])) {
      throw InputError(path, "npy value " + std::to_string(i) + " is not finite");
    }
  }
  return a;
}

std::string npy_bytes(const std::vector<std::uint64_t>& shape, const std::vector<float>& values,
                      NpyType type) {
  std::string header = "{'descr': '";
  header += name_of(kNpyDescr, type);
  header += "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    header += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) header += ",";
    if (i + 1 < shape.size()) header += " ";
  }
  header += "), }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes; the header ends with \n.
  const std::size_t prefix = 10;
  while ((prefix + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  for (float v : values) {
    if (type == NpyType::U8) {
      out += static_cast<char>(static_cast<unsigned char>(v));
    } else if (type == NpyType::I64) {
      auto x = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
      for (int b = 0; b < 8; ++b, x >>= 8)
        out += static_cast<char>(x & 0xff);
    } else {
      std::uint32_t x;
      std::memcpy(&x, &v, 4);
      for (int b = 0; b < 4; ++b, x >>= 8)
        out += static_cast<char>(x & 0xff);
    }
  }
  return out;
}

void write_npy(const std::string& path, const std::vector<std::uint64_t>& shape,
               const std::vector<float>& values, NpyType type) {
  write_file_atomically(path, npy_bytes(shape, values, type));
}

}  // namespace stems::simulate
