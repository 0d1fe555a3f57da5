// storage/security_repository.hpp: the pure parts (LIKE escaping, row conversion).
#include "storage/security_repository.hpp"

#include <gtest/gtest.h>

namespace securities = delta::storage::securities;
using delta::storage::pg_result;

TEST(EscapeLike, EscapesWildcardsAndTheEscapeCharacter) {
  EXPECT_EQ(securities::escape_like("AAPL"), "AAPL");
  EXPECT_EQ(securities::escape_like("100%"), "100\\%");
  EXPECT_EQ(securities::escape_like("a_b"), "a\\_b");
  EXPECT_EQ(securities::escape_like("c:\\x"), "c:\\\\x");
  EXPECT_EQ(securities::escape_like("%_\\"), "\\%\\_\\\\");
  EXPECT_EQ(securities::escape_like(""), "");
}

TEST(SearchStatements, CountThenPageWithEscapedQuery) {
  auto steps = securities::search({"a%", 25, 50});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].params, (std::vector<delta::storage::pg_value>{"a\\%"}));
  EXPECT_EQ(steps[1].params, (std::vector<delta::storage::pg_value>{"a\\%", "25", "50"}));
}

TEST(ToSecurity, ConvertsARowAndAbsentExchange) {
  pg_result r;
  r.columns = {"security_id", "ticker", "name", "security_type", "exchange", "currency", "active"};
  r.rows.push_back({"7", "BTC-USD", "Bitcoin", "crypto", std::nullopt, "USD", "t"});
  auto s = securities::to_security(r);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->security_id, "7");
  EXPECT_EQ(s->ticker, "BTC-USD");
  EXPECT_FALSE(s->exchange);
  EXPECT_TRUE(s->active);
  EXPECT_FALSE(securities::to_security(pg_result{}));
}
