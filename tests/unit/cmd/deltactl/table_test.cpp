#include "cmd/deltactl/table.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace delta::ctl;
namespace json = boost::json;

TEST(DeltactlTable, AlignsColumnsTwoSpacesApartWithNumbersOnTheRight) {
  table t{{{"NAME"}, {"COUNT", align::right}, {"WHEN"}}};
  t.add_row({"a", "5", "2026-11-22T10:00:00Z"});
  t.add_row({"longer", "12345", "-"});
  EXPECT_EQ(t.render(),
            "NAME    COUNT  WHEN\n"
            "a           5  2026-11-22T10:00:00Z\n"
            "longer  12345  -\n");
}

TEST(DeltactlTable, CountsCharactersNotBytes) {
  table t{{{"X"}, {"Y"}}};
  t.add_row({"\xC3\xA9t\xC3\xA9", "1"});  // "été": 3 characters, 5 bytes
  t.add_row({"abcd", "2"});
  EXPECT_EQ(t.render(), "X     Y\n\xC3\xA9t\xC3\xA9   1\nabcd  2\n");
}

TEST(DeltactlTable, PadsShortRowsWithDashesAndRefusesLongOnes) {
  table t{{{"A"}, {"B"}}};
  t.add_row({"x"});
  EXPECT_EQ(t.render(), "A  B\nx  -\n");
  EXPECT_THROW(t.add_row({"1", "2", "3"}), std::logic_error);
}

TEST(DeltactlTable, AnEmptyTableIsItsHeader) {
  table t{{{"ONLY"}}};
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_EQ(t.render(), "ONLY\n");
}

TEST(DeltactlTable, ShowsJsonValuesAsCells) {
  EXPECT_EQ(cell_text(nullptr), "-");
  EXPECT_EQ(cell_text(true), "yes");
  EXPECT_EQ(cell_text(false), "no");
  EXPECT_EQ(cell_text(json::value(-42)), "-42");
  EXPECT_EQ(cell_text(json::value(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(cell_text(json::value(3.0)), "3");
  EXPECT_EQ(cell_text(json::value(0.3333333)), "0.333");
  EXPECT_EQ(cell_text(json::value(12.5)), "12.5");
  EXPECT_EQ(cell_text(json::value(0.0004)), "0");
  EXPECT_EQ(cell_text(json::value("2026-11-22T10:00:00Z")), "2026-11-22T10:00:00Z");
  EXPECT_EQ(cell_text(json::parse(R"({"a":[1,2]})")), R"({"a":[1,2]})");
}

TEST(DeltactlTable, ShortensLongTextToAnEllipsis) {
  EXPECT_EQ(shortened("abcdef", 10), "abcdef");
  EXPECT_EQ(shortened("abcdef", 6), "abcdef");
  EXPECT_EQ(shortened("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(display_width(shortened("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 3)), 3u);  // never cuts a character
}
