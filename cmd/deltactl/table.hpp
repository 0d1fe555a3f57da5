#pragma once
// A human table: a header row and aligned columns separated by two spaces,
// widths counted in characters (UTF-8 code points), numbers right-aligned.
// Cells come from JSON values as the API gave them (times stay RFC 3339).

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace delta::ctl {

enum class align { left, right };

struct column {
  std::string title;
  align alignment = align::left;
};

class table {
 public:
  explicit table(std::vector<column> columns);
  // Fewer cells than columns are padded with "-"; more are an error.
  void add_row(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }
  // Header and rows, each line ending in '\n', no trailing blanks.
  std::string render() const;

 private:
  std::vector<column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON value as a cell: strings as they are, null as "-", whole numbers
// without a fraction, others with at most three decimals, booleans as
// yes/no, arrays and objects as compact JSON.
std::string cell_text(const boost::json::value& v);

// The number of characters (UTF-8 code points) of `s`.
std::size_t display_width(const std::string& s);

// `s` cut to `max` characters, the last one an ellipsis when cut.
std::string shortened(const std::string& s, std::size_t max);

}  // namespace delta::ctl
