#pragma once
// A parsed configuration file as a plain tree, independent of the TOML library.
//
// Only src/config/toml_document.cpp includes toml11 (it is slow to compile); every loader works on
// this tree through TableReader, which
//   * reports every error as "<file>:<line>:<col>: <key path>: <what was expected>",
//   * remembers which keys were read, so that unknown keys are errors (`finish()`),
//   * accepts an integer where a floating-point number is expected (TOML `3` for `3.0`).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stems::config {

struct Value {
  enum class Kind { Table, Array, String, Integer, Float, Boolean, DateTime };

  Kind kind = Kind::Table;
  std::string string_value;
  std::int64_t integer_value = 0;
  double float_value = 0.0;
  bool boolean_value = false;
  std::map<std::string, Value> table;  // key order is not significant
  std::vector<Value> array;
  std::uint32_t line = 0;  // 1-based; 0 = unknown (e.g. the root table)
  std::uint32_t column = 0;
};

// With its article, for messages: "an integer", "a string", ...
const char* kind_name(Value::Kind kind);

struct Document {
  std::string path;  // as given by the user; used in every message
  Value root;
};

// Offset of the first byte of `text` that is not valid UTF-8 (RFC 3629: no overlong forms,
// surrogates or code points above U+10FFFF), or std::string::npos when it is all valid.
std::size_t invalid_utf8_at(const std::string& text);

// Parses a TOML file. Throws InputError naming the file (and the line for syntax errors).
Document parse_toml_file(const std::string& path);
// `path` as written in the file `file`: absolute, or relative to that file's directory.
std::string resolve_relative(const std::string& file, const std::string& path);

// Parses TOML text; `path` is only used in messages.
Document parse_toml_string(const std::string& text, const std::string& path);

class TableReader {
 public:
  // `key_path` is the dotted path of this table ("" for the root), used in messages.
  TableReader(const Document& doc, const Value& table, std::string key_path);

  bool has(const std::string& key) const;
  // Marks the key as known without reading it.
  void accept(const std::string& key) const;

  std::int64_t integer(const std::string& key) const;
  std::int64_t integer_or(const std::string& key, std::int64_t fallback) const;
  // Integers >= 1 (sizes, counts).
  std::uint64_t positive(const std::string& key) const;
  std::uint64_t positive_or(const std::string& key, std::uint64_t fallback) const;
  // Integers >= 0.
  std::uint64_t non_negative(const std::string& key) const;
  std::uint64_t non_negative_or(const std::string& key, std::uint64_t fallback) const;
  // Finite floating-point (integers accepted); >= 0 for the *_non_negative variants.
  double number(const std::string& key) const;
  double non_negative_number(const std::string& key) const;
  double non_negative_number_or(const std::string& key, double fallback) const;
  std::string string(const std::string& key) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  std::vector<std::string> string_list(const std::string& key) const;
  std::vector<std::string> string_list_or(const std::string& key,
                                          const std::vector<std::string>& fallback) const;

  // Sub-tables and arrays of tables.
  TableReader table(const std::string& key) const;
  std::optional<TableReader> optional_table(const std::string& key) const;
  std::vector<TableReader> table_array(const std::string& key) const;

  // The raw value (marks the key as read); nullptr when absent.
  const Value* raw(const std::string& key) const;

  // Throws InputError for the first key that was never read or accepted.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  [[noreturn]] void fail_at(const Value& value, const std::string& key_path,
                            const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;

  std::string key_path(const std::string& key) const;
  const std::string& path() const { return key_path_; }
  const Document& document() const { return *doc_; }
  std::string location(const Value& value) const;

 private:
  const Value& require(const std::string& key) const;

  const Document* doc_;
  const Value* table_;
  std::string key_path_;
  std::shared_ptr<std::set<std::string>> used_;
};

}  // namespace stems::config
