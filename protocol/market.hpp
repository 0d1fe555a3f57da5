#pragma once
// Messages and the typed interface of the market domain actor.

#include "protocol/service_directory.hpp"
#include "protocol/market_data.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <caf/optional.hpp>
#include <string>
#include <vector>

namespace delta::protocol {

struct security {
  std::string security_id;  // bigint rendered as text: ids are strings on the wire
  std::string ticker;
  std::string name;
  std::string security_type;
  caf::optional<std::string> exchange;  // caf::optional: CAF 0.17 cannot serialise std::optional
  std::string currency;
  bool active = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security& x) {
  return f(caf::meta::type_name("delta.security"), x.security_id, x.ticker, x.name,
           x.security_type, x.exchange, x.currency, x.active);
}

struct security_query {
  std::string q;  // ticker prefix or name substring, case-insensitive; empty = all
  std::int32_t limit = 50;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_query& x) {
  return f(caf::meta::type_name("delta.security_query"), x.q, x.limit, x.offset);
}

struct security_page {
  std::vector<security> items;
  std::int64_t total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_page& x) {
  return f(caf::meta::type_name("delta.security_page"), x.items, x.total);
}

struct new_security {
  std::string ticker;
  std::string name;
  std::string security_type;
  caf::optional<std::string> exchange;
  std::string currency;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_security& x) {
  return f(caf::meta::type_name("delta.new_security"), x.ticker, x.name, x.security_type,
           x.exchange, x.currency);
}

// ---- market data (candles, prices, indicators) ----

// Validated 1-minute candles of one ticker for the idempotent upsert.
struct candle_batch {
  std::string ticker;
  std::vector<candle> candles;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, candle_batch& x) {
  return f(caf::meta::type_name("delta.candle_batch"), x.ticker, x.candles);
}

struct upsert_counts {
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, upsert_counts& x) {
  return f(caf::meta::type_name("delta.upsert_counts"), x.inserted, x.updated);
}

// A page of a range's bars: `range.limit` of them after skipping `offset`
// (from the range's start when it has `from`, else from its newest bar).
struct price_query {
  std::string ticker;
  bar_range range;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, price_query& x) {
  return f(caf::meta::type_name("delta.price_query"), x.ticker, x.range, x.offset);
}

struct candle_page {
  std::vector<candle> items;  // ascending
  std::int64_t total = 0;     // bars in the whole range
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, candle_page& x) {
  return f(caf::meta::type_name("delta.candle_page"), x.items, x.total);
}

// Indicators are computed over the bars before the range too (warm-up);
// points are returned for the bars of `range` only.
struct indicator_query {
  std::string ticker;
  bar_range range;
  std::vector<indicator_spec> specs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indicator_query& x) {
  return f(caf::meta::type_name("delta.indicator_query"), x.ticker, x.range, x.specs);
}

struct indicator_report {
  std::vector<indicator_series> series;  // in the order of the query's specs
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indicator_report& x) {
  return f(caf::meta::type_name("delta.indicator_report"), x.series);
}

using ingest_candles_atom = caf::atom_constant<caf::atom("ingestcdl")>;
using get_prices_atom = caf::atom_constant<caf::atom("getprices")>;
using get_indicators_atom = caf::atom_constant<caf::atom("getindic")>;

using create_security_atom = caf::atom_constant<caf::atom("createsec")>;
using get_security_atom = caf::atom_constant<caf::atom("getsec")>;
using find_securities_atom = caf::atom_constant<caf::atom("findsecs")>;

// The market actor owns the securities cache that PostgreSQL feeds, and
// serves candles, resampled prices and indicators from PostgreSQL.
using market_actor = caf::typed_actor<
    caf::replies_to<get_security_atom, std::string>::with<security>,
    caf::replies_to<find_securities_atom, security_query>::with<security_page>,
    caf::replies_to<create_security_atom, new_security>::with<security>,
    caf::replies_to<ingest_candles_atom, candle_batch>::with<upsert_counts>,
    caf::replies_to<get_prices_atom, price_query>::with<candle_page>,
    caf::replies_to<get_indicators_atom, indicator_query>::with<indicator_report>>;

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<market_actor> market_service{"market"};

}  // namespace delta::protocol
