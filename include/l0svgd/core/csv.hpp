#pragma once
/// Reader of small numeric tables (data sets for models), comma- or whitespace-separated.
#include <string>
#include <vector>

#include "l0svgd/core/types.hpp"

namespace l0svgd {

/// How cells are separated: by commas (cells are trimmed) or by runs of spaces and tabs. `Detect`
/// looks at the first line that is neither blank nor a comment: a comma there means
/// comma-separated.
enum class CsvSeparator { Detect, Comma, Whitespace };

/// Whether the first line that is neither blank nor a comment is a header. `Detect` treats it as a
/// header exactly when one of its non-empty cells is not a number.
enum class CsvHeader { Detect, Present, Absent };

struct CsvFormat {
  CsvSeparator separator = CsvSeparator::Detect;
  CsvHeader header = CsvHeader::Detect;
};

/// A numeric table: `values` has one row per data line (row-major), `header` holds the header cells
/// (empty when there is none; its length need not match the number of columns).
struct CsvTable {
  std::vector<std::string> header;
  Matrix values;

  Index n_rows() const { return values.rows(); }
  Index n_cols() const { return values.cols(); }
};

/// Reads a numeric table. '#' starts a comment that runs to the end of the line; blank lines are
/// skipped. Every data line must have the same number of cells and every cell must be a finite
/// number. Throws InputError naming the file (and the line, for a bad line) if the file cannot be
/// opened, has no data line, or a cell is empty, non-numeric or non-finite, or a row has a
/// different length. Not collective: every rank that needs the table reads it.
CsvTable read_csv(const std::string& path, const CsvFormat& format = {});

} // namespace l0svgd
