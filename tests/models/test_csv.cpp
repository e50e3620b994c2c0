#include <catch2/catch.hpp>

#include "l0svgd/core/csv.hpp"
#include "l0svgd/core/error.hpp"
#include "model_checks.hpp"

using namespace l0svgd;
using Catch::Contains;
using test::write_scratch;

TEST_CASE("comma-separated file with a header, comments and CRLF line ends", "[csv]") {
  const auto path = write_scratch("csv_header.csv", "# a comment line\r\nx, y ,label\r\n"
                                                    "1, 2.5, 0   # trailing comment\r\n"
                                                    "\r\n"
                                                    "+3,-4e-1,1\r\n");
  const CsvTable table = read_csv(path);
  CHECK(table.header == std::vector<std::string>{"x", "y", "label"});
  REQUIRE(table.n_rows() == 2);
  REQUIRE(table.n_cols() == 3);
  Matrix expected(2, 3);
  expected << 1, 2.5, 0, 3, -0.4, 1;
  CHECK(table.values == expected);
}

TEST_CASE("whitespace-separated file without a header", "[csv]") {
  const auto path = write_scratch("csv_space.txt", "# Boston-like\n 0.1  18.0\t2\n 0.2 0.0 3\n");
  const CsvTable table = read_csv(path);
  CHECK(table.header.empty());
  REQUIRE(table.n_rows() == 2);
  REQUIRE(table.n_cols() == 3);
  CHECK(table.values(0, 1) == 18.0);
  CHECK(table.values(1, 2) == 3.0);
}

TEST_CASE("a header line may have another length than the rows", "[csv]") {
  const auto path = write_scratch("csv_counts.csv", "2,3,no,yes\n1,2,3,0\n4,5,6,1\n");
  const CsvTable table = read_csv(path);
  CHECK(table.header.size() == 4);
  CHECK(table.n_rows() == 2);
  CHECK(table.n_cols() == 4);
}

TEST_CASE("the header and the separator can be forced", "[csv]") {
  const auto path = write_scratch("csv_forced.csv", "1,2\n3,4\n");
  CHECK(read_csv(path, {CsvSeparator::Comma, CsvHeader::Present}).n_rows() == 1);
  CHECK(read_csv(path, {CsvSeparator::Detect, CsvHeader::Absent}).n_rows() == 2);
  // As whitespace-separated, "1,2" is one cell that is not a number.
  CHECK_THROWS_WITH(read_csv(path, {CsvSeparator::Whitespace, CsvHeader::Absent}),
                    Contains("line 1") && Contains("'1,2' is not a number"));
  const auto named = write_scratch("csv_named.csv", "a,b\n3,4\n");
  CHECK_THROWS_WITH(read_csv(named, {CsvSeparator::Detect, CsvHeader::Absent}),
                    Contains("line 1") && Contains("'a' is not a number"));
}

TEST_CASE("malformed files are input errors naming the file, line and problem", "[csv]") {
  const auto missing = test::scratch_path("no_such_file.csv");
  CHECK_THROWS_AS(read_csv(missing), InputError);
  CHECK_THROWS_WITH(read_csv(missing), Contains("no_such_file.csv") && Contains("does not exist"));

  const auto empty = write_scratch("csv_empty.csv", "# only a comment\n\n");
  CHECK_THROWS_WITH(read_csv(empty), Contains("csv_empty.csv") && Contains("empty"));

  const auto header_only = write_scratch("csv_header_only.csv", "x,y\n");
  CHECK_THROWS_WITH(read_csv(header_only), Contains("no data rows after the header"));

  const auto bad_cell = write_scratch("csv_bad_cell.csv", "x,y\n1,2\n3,abc\n");
  CHECK_THROWS_AS(read_csv(bad_cell), InputError);
  CHECK_THROWS_WITH(read_csv(bad_cell), Contains("csv_bad_cell.csv") && Contains("line 3") &&
                                            Contains("column 2") && Contains("'abc'"));

  const auto ragged = write_scratch("csv_ragged.csv", "1,2,3\n4,5,6\n\n7,8\n");
  CHECK_THROWS_WITH(read_csv(ragged),
                    Contains("line 4") && Contains("2 cells") && Contains("line 1 has 3"));

  const auto empty_cell = write_scratch("csv_empty_cell.csv", "1,,3\n");
  CHECK_THROWS_WITH(read_csv(empty_cell), Contains("line 1") && Contains("column 2 is empty"));

  const auto not_finite = write_scratch("csv_nan.csv", "1,2\n3,nan\n");
  CHECK_THROWS_WITH(read_csv(not_finite), Contains("line 2") && Contains("not finite"));

  const auto signs = write_scratch("csv_signs.csv", "1,2\n3,+-4\n");
  CHECK_THROWS_WITH(read_csv(signs), Contains("'+-4' is not a number"));
}

TEST_CASE("the project's breast-cancer file reads as 569 rows of 31 columns", "[csv]") {
  const CsvTable table = read_csv(test::source_path("data/uci/breast_cancer.csv"));
  CHECK(table.header == std::vector<std::string>{"569", "30", "malignant", "benign"});
  CHECK(table.n_rows() == 569);
  CHECK(table.n_cols() == 31);
  CHECK(table.values(0, 0) == 17.99);
}

TEST_CASE("a UTF-8 byte-order mark before the first line is ignored", "[csv]") {
  const auto path = test::write_scratch("csv_bom.csv", "\xEF\xBB\xBF"
                                                       "1,2\n3,4\n");
  const CsvTable table = read_csv(path);
  CHECK(table.header.empty());
  CHECK(table.n_rows() == 2);
  CHECK(table.values(0, 0) == 1.0);
}
