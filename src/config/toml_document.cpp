// The only translation unit that includes toml11 (v3): it converts toml::value into config::Value.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <toml.hpp>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"

namespace stems::config {

namespace {

// Line and column of values. toml11's source_location counts the newlines from the start of the
// file for every value (quadratic in the file size: 0.1 s for SEW-ResNet-152, and the bulk of a
// fuzzing run); this index of line starts answers each value in O(log lines) with the same
// numbers (1-based line; column = bytes from the line start + 1).
class LineIndex {
 public:
  void locate(const toml::value& v, Value& out) {
    const auto* reg = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v));
    if (reg == nullptr || !reg->is_ok()) {
      const auto loc = v.location();
      out.line = static_cast<std::uint32_t>(loc.line());
      out.column = static_cast<std::uint32_t>(loc.column());
      return;
    }
    if (source_ != reg->source().get()) {
      source_ = reg->source().get();
      newlines_.clear();
      for (auto it = reg->begin(); it != reg->end(); ++it) {
        if (*it == '\n') newlines_.push_back(static_cast<std::size_t>(it - reg->begin()));
      }
    }
    const auto offset = static_cast<std::size_t>(reg->first() - reg->begin());
    // Newlines before the value: its line is one more; the last of them ends the previous line.
    const auto before = std::lower_bound(newlines_.begin(), newlines_.end(), offset);
    const std::size_t line_start = before == newlines_.begin() ? 0 : *(before - 1) + 1;
    out.line = static_cast<std::uint32_t>(1 + (before - newlines_.begin()));
    out.column = static_cast<std::uint32_t>(offset - line_start + 1);
  }

 private:
  const std::vector<char>* source_ = nullptr;
  std::vector<std::size_t> newlines_;  // byte offsets of '\n'
};

// The end of the message for an integer literal beyond 64 bits (decimal, hex, octal or binary).
constexpr const char* kOutOfRange =
    " is out of range: TOML integers are 64-bit signed (-9223372036854775808 .. "
    "9223372036854775807)";

// toml11 3.7 accepts integer literals beyond 64 bits without a word: decimal, hex and octal ones
// saturate to INT64_MAX / INT64_MIN (`size_bits = 99999999999999999999` was read as
// 9223372036854775807 and passed the loaders' range checks; binary ones are refused before parsing,
// overlong_binary_literal). So a value at either extreme is read again from its own text (sign,
// 0x / 0o / 0b prefix, '_' separators, as TOML 1.0 spells them).
bool literal_overflows(const std::string& token) {
  std::size_t i = 0;
  bool negative = false;
  if (i < token.size() && (token[i] == '+' || token[i] == '-')) negative = token[i++] == '-';
  unsigned base = 10;
  if (token.size() >= i + 2 && token[i] == '0') {
    const char p = token[i + 1];
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
    if (base != 10) i += 2;
  }
  // The magnitude a 64-bit signed integer holds: 2^63 - 1, or 2^63 for a negative value.
  const unsigned __int128 limit = (static_cast<unsigned __int128>(1) << 63) - (negative ? 0 : 1);
  unsigned __int128 magnitude = 0;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (c == '_') continue;
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      break;  // the end of the literal
    }
    magnitude = magnitude * base + digit;
    if (magnitude > limit) return true;
  }
  return false;
}

void check_integer_range(const toml::value& v, const Value& out, const std::string& path) {
  const auto* reg = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v));
  if (reg == nullptr || !reg->is_ok()) return;
  const std::int64_t x = out.integer_value;
  if (x != std::numeric_limits<std::int64_t>::max() &&
      x != std::numeric_limits<std::int64_t>::min()) {
    return;
  }
  if (!literal_overflows(std::string(reg->first(), reg->last()))) return;
  throw InputError(path + ":" + std::to_string(out.line) + ":" + std::to_string(out.column),
                   "integer " + std::string(reg->first(), reg->last()) + kOutOfRange);
}

Value convert(const toml::value& v, LineIndex& lines, const std::string& path) {
  Value out;
  lines.locate(v, out);
  switch (v.type()) {
    case toml::value_t::table:
      out.kind = Value::Kind::Table;
      for (const auto& [key, child] : v.as_table())
        out.table.emplace(key, convert(child, lines, path));
      break;
    case toml::value_t::array:
      out.kind = Value::Kind::Array;
      for (const auto& child : v.as_array())
        out.array.push_back(convert(child, lines, path));
      break;
    case toml::value_t::string:
      out.kind = Value::Kind::String;
      out.string_value = v.as_string().str;
      break;
    case toml::value_t::integer:
      out.kind = Value::Kind::Integer;
      out.integer_value = v.as_integer();
      check_integer_range(v, out, path);
      break;
    case toml::value_t::floating:
      out.kind = Value::Kind::Float;
      out.float_value = v.as_floating();
      break;
    case toml::value_t::boolean:
      out.kind = Value::Kind::Boolean;
      out.boolean_value = v.as_boolean();
      break;
    default:
      out.kind = Value::Kind::DateTime;
      break;
  }
  return out;
}

// toml11 messages start with "[error] " and carry their own location block; keep them intact.
std::string clean(const std::string& what) {
  std::string s = what;
  const std::string prefix = "[error] ";
  if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

// "path:line:column" of byte `offset` of `text` (1-based line and byte column, as in every other
// message), for the checks made on the text before toml11 parses it.
std::string location_of(const std::string& text, std::size_t offset, const std::string& path) {
  const std::size_t newline = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  const std::size_t column = newline == std::string::npos ? offset + 1 : offset - newline;
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return path + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// toml11 3.7 reads a binary integer by doubling a signed 64-bit place value once per digit, leading
// zeros included, which overflows (undefined behaviour: UBSan aborts, a release build wraps
// 0b1 + 61 zeros + 101 to 5) from the 63rd digit on. So such literals are found in the text first:
// outside strings and comments, a value token (not a key: no '=' or '.' follows it) starting with
// 0b and holding 63 or more binary digits. Its byte offset and what to say, or npos.
struct BinaryLiteral {
  std::size_t at = std::string::npos;
  bool out_of_range = false;  // more than 63 significant bits; else only too many digits
};
BinaryLiteral overlong_binary_literal(const std::string& text) {
  const std::size_t n = text.size();
  auto ident = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '+';
  };
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '#') {  // a comment, to the end of the line
      while (i < n && text[i] != '\n')
        ++i;
    } else if (c == '"' || c == '\'') {  // a string: basic, literal or multi-line
      const bool multi = i + 2 < n && text[i + 1] == c && text[i + 2] == c;
      i += multi ? 3 : 1;
      for (; i < n; ++i) {
        if (c == '"' && text[i] == '\\') {
          ++i;  // an escaped character
        } else if (text[i] == c &&
                   (!multi || (i + 2 < n && text[i + 1] == c && text[i + 2] == c))) {
          if (multi) i += 2;
          break;
        } else if (!multi && text[i] == '\n') {
          break;  // unterminated: toml11 reports it
        }
      }
    } else if (c == '0' && i + 1 < n && text[i + 1] == 'b' && (i == 0 || !ident(text[i - 1]))) {
      std::size_t end = i + 2, significant = 0, digits = 0;
      bool leading = true;
      for (; end < n && ident(text[end]); ++end) {
        if (text[end] == '1') leading = false;
        if (text[end] == '0' || text[end] == '1') ++digits;
        if (!leading && (text[end] == '0' || text[end] == '1')) ++significant;
      }
      std::size_t next = end;
      while (next < n && (text[next] == ' ' || text[next] == '\t'))
        ++next;
      const bool key = next < n && (text[next] == '=' || text[next] == '.');
      if (!key && digits >= 63) return {i, significant > 63};
      i = end - 1;
    } else if (ident(c)) {  // the rest of a bare word (a key, a number, true/false)
      while (i + 1 < n && ident(text[i + 1]))
        ++i;
    }
  }
  return {};
}

// TOML files are UTF-8 (TOML 1.0, "Spec"). Checked before toml11 sees the text: its error path
// for invalid UTF-8 in a literal string reads out of bounds (toml11 3.7, parse_literal_string),
// found by tests/fuzz/fuzz_schedule.
Document parse_text(const std::string& text, const std::string& path) {
  if (text.find('\0') != std::string::npos) {
    throw InputError(path, "not a TOML text file (contains NUL bytes)");
  }
  if (const std::size_t bad = invalid_utf8_at(text); bad != std::string::npos) {
    static const char* hex = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(text[bad]);
    const std::string where = location_of(text, bad, path);
    std::string msg = "not valid UTF-8 (TOML files are UTF-8 text): byte 0x";
    msg += hex[byte >> 4];
    msg += hex[byte & 0xF];
    throw InputError(where, msg);
  }
  if (const BinaryLiteral b = overlong_binary_literal(text); b.at != std::string::npos) {
    const std::size_t at = b.at;
    std::size_t end = at;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_'))
      ++end;
    throw InputError(
        location_of(text, at, path),
        "integer " + text.substr(at, end - at) +
            (b.out_of_range ? kOutOfRange
                            : " has 63 or more binary digits, which the TOML reader cannot "
                              "take without overflowing; write it in decimal or hexadecimal"));
  }
  Document doc;
  doc.path = path;
  std::istringstream in(text);
  try {
    const toml::value root = toml::parse(in, path);
    LineIndex lines;
    doc.root = convert(root, lines, path);
    doc.root.line = 0;
  } catch (const InputError&) {
    throw;  // a literal out of range (check_integer_range), located already
  } catch (const toml::syntax_error& e) {
    throw InputError(path, "TOML syntax error: " + clean(e.what()));
  } catch (const std::exception& e) {
    throw InputError(path, "cannot parse TOML: " + clean(e.what()));
  }
  return doc;
}

}  // namespace

std::size_t invalid_utf8_at(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return i;  // a continuation byte, an overlong lead (C0, C1) or above U+10FFFF (F5..FF)
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0u) != 0x80u) return i;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string::npos;
}

Document parse_toml_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, "is a directory; expected a TOML file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open file (does it exist and is it readable?)");
  // Bounded: a path to /dev/zero or a huge file must not exhaust the memory.
  constexpr std::size_t kMaxBytes = std::size_t{64} << 20;
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxBytes) {
      throw InputError(path, "larger than 64 MiB; not a configuration file");
    }
  }
  return parse_text(text, path);
}

Document parse_toml_string(const std::string& text, const std::string& path) {
  return parse_text(text, path);
}

}  // namespace stems::config
