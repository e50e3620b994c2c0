#include "l0svgd/core/csv.hpp"

#include "l0svgd/core/input_files.hpp"

#include "l0svgd/core/error.hpp"

#include <charconv>
#include <cmath>
#include <fstream>

namespace l0svgd {
namespace {

const char* const kBlank = " \t\r";

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(kBlank);
  if (first == std::string::npos)
    return "";
  return s.substr(first, s.find_last_not_of(kBlank) - first + 1);
}

std::vector<std::string> split(const std::string& line, bool comma) {
  std::vector<std::string> cells;
  if (comma) {
    size_t start = 0;
    while (true) {
      const size_t end = line.find(',', start);
      cells.push_back(trim(line.substr(start, end - start)));
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  } else {
    size_t pos = line.find_first_not_of(kBlank);
    while (pos != std::string::npos) {
      const size_t end = line.find_first_of(kBlank, pos);
      cells.push_back(line.substr(pos, end - pos));
      pos = end == std::string::npos ? end : line.find_first_not_of(kBlank, end);
    }
  }
  return cells;
}

// Locale-independent parse of the whole cell; accepts a leading '+', which from_chars does not.
bool parse_number(const std::string& cell, double& value) {
  const char* begin = cell.data();
  const char* end = begin + cell.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin != end && *begin == '-')
      return false;
  }
  const auto result = std::from_chars(begin, end, value);
  return result.ec == std::errc() && result.ptr == end;
}

// An empty cell is a data error, not a sign of a header.
bool has_text_cell(const std::vector<std::string>& cells) {
  double unused = 0;
  for (const auto& cell : cells)
    if (!cell.empty() && !parse_number(cell, unused))
      return true;
  return false;
}

} // namespace

CsvTable read_csv(const std::string& path, const CsvFormat& format) {
  const std::string problem = file_problem(path);
  if (!problem.empty())
    throw InputError("data file '" + path + "' " + problem);
  std::ifstream in(path);
  if (!in)
    throw InputError("data file '" + path + "': cannot open it");
  register_input_file(path);

  CsvTable table;
  std::vector<double> values;
  Index n_cols = 0, n_rows = 0;
  size_t first_row_line = 0;
  bool comma = format.separator == CsvSeparator::Comma;
  bool seen_first = false;
  std::string line;
  for (size_t line_no = 1; std::getline(in, line); ++line_no) {
    // Spreadsheet exports may start with a UTF-8 byte-order mark.
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
      line.erase(0, 3);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty())
      continue;
    const std::string where = "data file '" + path + "', line " + std::to_string(line_no) + ": ";
    if (!seen_first) {
      seen_first = true;
      if (format.separator == CsvSeparator::Detect)
        comma = line.find(',') != std::string::npos;
      const auto cells = split(line, comma);
      const bool header = format.header == CsvHeader::Present ||
                          (format.header == CsvHeader::Detect && has_text_cell(cells));
      if (header) {
        table.header = cells;
        continue;
      }
    }
    const auto cells = split(line, comma);
    if (n_rows == 0) {
      n_cols = static_cast<Index>(cells.size());
      first_row_line = line_no;
    } else if (static_cast<Index>(cells.size()) != n_cols) {
      throw InputError(where + std::to_string(cells.size()) + " cells, but line " +
                       std::to_string(first_row_line) + " has " + std::to_string(n_cols));
    }
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string column = "column " + std::to_string(c + 1);
      if (cells[c].empty())
        throw InputError(where + column + " is empty");
      double value = 0;
      if (!parse_number(cells[c], value))
        throw InputError(where + column + " '" + cells[c] + "' is not a number");
      if (!std::isfinite(value))
        throw InputError(where + column + " '" + cells[c] + "' is not finite");
      values.push_back(value);
    }
    ++n_rows;
  }
  if (n_rows == 0)
    throw InputError("data file '" + path + "': no data rows" +
                     (table.header.empty() ? std::string(" (the file is empty)")
                                           : std::string(" after the header")));
  table.values = Eigen::Map<const Matrix>(values.data(), n_rows, n_cols);
  return table;
}

} // namespace l0svgd
