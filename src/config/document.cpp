#include "stems/config/document.hpp"

#include <filesystem>

#include <cmath>
#include <limits>

#include "stems/common/error.hpp"

namespace stems::config {

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::Table:
      return "a table";
    case Value::Kind::Array:
      return "an array";
    case Value::Kind::String:
      return "a string";
    case Value::Kind::Integer:
      return "an integer";
    case Value::Kind::Float:
      return "a floating-point number";
    case Value::Kind::Boolean:
      return "a boolean";
    case Value::Kind::DateTime:
      return "a date/time";
  }
  return "value";
}

TableReader::TableReader(const Document& doc, const Value& table, std::string key_path)
    : doc_(&doc),
      table_(&table),
      key_path_(std::move(key_path)),
      used_(std::make_shared<std::set<std::string>>()) {
  if (table.kind != Value::Kind::Table) {
    fail_at(table, key_path_, std::string("expected a table, got ") + kind_name(table.kind));
  }
}

std::string TableReader::location(const Value& value) const {
  if (value.line == 0) return doc_->path;
  return doc_->path + ":" + std::to_string(value.line) + ":" + std::to_string(value.column);
}

std::string TableReader::key_path(const std::string& key) const {
  return key_path_.empty() ? key : key_path_ + "." + key;
}

void TableReader::fail_at(const Value& value, const std::string& key_path,
                          const std::string& message) const {
  throw InputError(location(value), key_path.empty() ? message : "'" + key_path + "': " + message);
}

void TableReader::fail(const std::string& key, const std::string& message) const {
  auto it = table_->table.find(key);
  const Value& where = it != table_->table.end() ? it->second : *table_;
  fail_at(where, key_path(key), message);
}

void TableReader::fail_here(const std::string& message) const {
  fail_at(*table_, key_path_, message);
}

bool TableReader::has(const std::string& key) const {
  return table_->table.count(key) != 0;
}

void TableReader::accept(const std::string& key) const {
  used_->insert(key);
}

const Value* TableReader::raw(const std::string& key) const {
  used_->insert(key);
  auto it = table_->table.find(key);
  return it == table_->table.end() ? nullptr : &it->second;
}

const Value& TableReader::require(const std::string& key) const {
  const Value* v = raw(key);
  if (v == nullptr) {
    fail_at(*table_, key_path_.empty() ? std::string() : key_path_,
            "missing required key '" + key + "'");
  }
  return *v;
}

namespace {
[[noreturn]] void type_fail(const TableReader& r, const Value& v, const std::string& key,
                            const std::string& expected) {
  r.fail_at(v, r.key_path(key), "expected " + expected + ", got " + kind_name(v.kind));
}
}  // namespace

std::int64_t TableReader::integer(const std::string& key) const {
  const Value& v = require(key);
  if (v.kind != Value::Kind::Integer) type_fail(*this, v, key, "an integer");
  return v.integer_value;
}

std::int64_t TableReader::integer_or(const std::string& key, std::int64_t fallback) const {
  return has(key) ? integer(key) : (used_->insert(key), fallback);
}

std::uint64_t TableReader::positive(const std::string& key) const {
  const std::int64_t v = integer(key);
  if (v < 1) {
    fail(key, "expected a positive integer (>= 1), got " + std::to_string(v));
  }
  return static_cast<std::uint64_t>(v);
}

std::uint64_t TableReader::positive_or(const std::string& key, std::uint64_t fallback) const {
  return has(key) ? positive(key) : (used_->insert(key), fallback);
}

std::uint64_t TableReader::non_negative(const std::string& key) const {
  const std::int64_t v = integer(key);
  if (v < 0) fail(key, "expected a non-negative integer (>= 0), got " + std::to_string(v));
  return static_cast<std::uint64_t>(v);
}

std::uint64_t TableReader::non_negative_or(const std::string& key, std::uint64_t fallback) const {
  return has(key) ? non_negative(key) : (used_->insert(key), fallback);
}

double TableReader::number(const std::string& key) const {
  const Value& v = require(key);
  double x = 0;
  if (v.kind == Value::Kind::Integer) {
    x = static_cast<double>(v.integer_value);
  } else if (v.kind == Value::Kind::Float) {
    x = v.float_value;
  } else {
    type_fail(*this, v, key, "a number");
  }
  if (!std::isfinite(x)) fail(key, "expected a finite number, got " + std::to_string(x));
  return x;
}

double TableReader::non_negative_number(const std::string& key) const {
  const double x = number(key);
  if (x < 0) fail(key, "expected a non-negative number, got " + std::to_string(x));
  return x;
}

double TableReader::non_negative_number_or(const std::string& key, double fallback) const {
  return has(key) ? non_negative_number(key) : (used_->insert(key), fallback);
}

std::string TableReader::string(const std::string& key) const {
  const Value& v = require(key);
  if (v.kind != Value::Kind::String) type_fail(*this, v, key, "a string");
  return v.string_value;
}

std::string TableReader::string_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : (used_->insert(key), fallback);
}

bool TableReader::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) {
    used_->insert(key);
    return fallback;
  }
  const Value& v = require(key);
  if (v.kind != Value::Kind::Boolean) type_fail(*this, v, key, "a boolean");
  return v.boolean_value;
}

std::vector<std::string> TableReader::string_list(const std::string& key) const {
  const Value& v = require(key);
  if (v.kind != Value::Kind::Array) type_fail(*this, v, key, "an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.array.size(); ++i) {
    const Value& e = v.array[i];
    if (e.kind != Value::Kind::String) {
      fail_at(e, key_path(key) + "[" + std::to_string(i) + "]",
              std::string("expected a string, got ") + kind_name(e.kind));
    }
    out.push_back(e.string_value);
  }
  return out;
}

std::vector<std::string> TableReader::string_list_or(
    const std::string& key, const std::vector<std::string>& fallback) const {
  return has(key) ? string_list(key) : (used_->insert(key), fallback);
}

TableReader TableReader::table(const std::string& key) const {
  const Value& v = require(key);
  if (v.kind != Value::Kind::Table) type_fail(*this, v, key, "a table");
  return TableReader(*doc_, v, key_path(key));
}

std::optional<TableReader> TableReader::optional_table(const std::string& key) const {
  if (!has(key)) {
    used_->insert(key);
    return std::nullopt;
  }
  return table(key);
}

std::vector<TableReader> TableReader::table_array(const std::string& key) const {
  const Value& v = require(key);
  if (v.kind != Value::Kind::Array) {
    type_fail(*this, v, key, "an array of tables ([[" + key + "]])");
  }
  std::vector<TableReader> out;
  for (std::size_t i = 0; i < v.array.size(); ++i) {
    const Value& e = v.array[i];
    const std::string p = key_path(key) + "[" + std::to_string(i) + "]";
    if (e.kind != Value::Kind::Table) {
      fail_at(e, p, std::string("expected a table, got ") + kind_name(e.kind));
    }
    out.emplace_back(*doc_, e, p);
  }
  return out;
}

void TableReader::finish() const {
  for (const auto& [key, value] : table_->table) {
    if (used_->count(key) == 0) {
      fail_at(value, key_path(key), "unknown key (check the spelling; see configs/README.md)");
    }
  }
}

std::string resolve_relative(const std::string& file, const std::string& path) {
  const std::filesystem::path q(path);
  return (q.is_absolute() ? q : std::filesystem::path(file).parent_path() / q)
      .lexically_normal()
      .string();
}

}  // namespace stems::config
