// The only translation unit that includes toml11 (v3): it converts toml::value into config::Value.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml.hpp>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"

namespace stems::config {

namespace {

Value convert(const toml::value& v) {
  Value out;
  const auto loc = v.location();
  out.line = static_cast<std::uint32_t>(loc.line());
  out.column = static_cast<std::uint32_t>(loc.column());
  switch (v.type()) {
    case toml::value_t::table:
      out.kind = Value::Kind::Table;
      for (const auto& [key, child] : v.as_table())
        out.table.emplace(key, convert(child));
      break;
    case toml::value_t::array:
      out.kind = Value::Kind::Array;
      for (const auto& child : v.as_array())
        out.array.push_back(convert(child));
      break;
    case toml::value_t::string:
      out.kind = Value::Kind::String;
      out.string_value = v.as_string().str;
      break;
    case toml::value_t::integer:
      out.kind = Value::Kind::Integer;
      out.integer_value = v.as_integer();
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

Document parse_stream(std::istream& in, const std::string& path) {
  Document doc;
  doc.path = path;
  try {
    const toml::value root = toml::parse(in, path);
    doc.root = convert(root);
    doc.root.line = 0;
  } catch (const toml::syntax_error& e) {
    throw InputError(path, "TOML syntax error: " + clean(e.what()));
  } catch (const std::exception& e) {
    throw InputError(path, "cannot parse TOML: " + clean(e.what()));
  }
  return doc;
}

}  // namespace

Document parse_toml_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, "is a directory; expected a TOML file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open file (does it exist and is it readable?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.find('\0') != std::string::npos) {
    throw InputError(path, "not a TOML text file (contains NUL bytes)");
  }
  std::istringstream stream(text);
  return parse_stream(stream, path);
}

Document parse_toml_string(const std::string& text, const std::string& path) {
  std::istringstream stream(text);
  return parse_stream(stream, path);
}

}  // namespace stems::config
