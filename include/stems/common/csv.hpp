#pragma once
// Comma-separated files as stems writes them: fields quoted when they hold a comma, quote or line
// break ("" escapes a quote; a line break becomes a space), one record per line.

#include <string>
#include <vector>

namespace stems {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int column(const std::string& name) const;  // -1 when absent
};

std::string csv_escape(const std::string& field);
std::string csv_row(const std::vector<std::string>& fields);  // with the trailing newline
// Reads a CSV file written by csv_row (quoted fields, "" escapes). A last line without its
// newline is ignored (a torn write). Throws InputError naming the file and line for ragged rows.
CsvTable read_csv(const std::string& path);

}  // namespace stems
