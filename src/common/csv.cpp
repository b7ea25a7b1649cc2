#include "stems/common/csv.hpp"

#include <fstream>
#include <sstream>

#include "stems/common/error.hpp"

namespace stems {

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_escape(fields[i]);
  }
  out += '\n';
  return out;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line, const std::string& path,
                                        std::size_t line_no) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) {
    throw InputError(path + ":" + std::to_string(line_no), "unterminated quoted field");
  }
  fields.push_back(std::move(cur));
  return fields;
}

}  // namespace

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  CsvTable t;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // torn last line
    ++line_no;
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split_csv_line(line, path, line_no);
    if (t.header.empty()) {
      t.header = std::move(fields);
    } else {
      if (fields.size() != t.header.size()) {
        throw InputError(path + ":" + std::to_string(line_no),
                         "expected " + std::to_string(t.header.size()) + " fields, found " +
                             std::to_string(fields.size()));
      }
      t.rows.push_back(std::move(fields));
    }
  }
  return t;
}

}  // namespace stems
