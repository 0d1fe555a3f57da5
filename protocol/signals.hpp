#pragma once
// Messages and the typed interface of the signal pipeline's API actor
// (actors/signals/signals_api.hpp): ingest (group commit), one event's
// document and the caller's list. Documents travel as JSON text built by
// PostgreSQL: the edge only checks the owner and wraps them.

#include "protocol/service_directory.hpp"
#include "protocol/stream.hpp"
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace delta::protocol {

// A validated POST /api/v2/signals body and its submitter.
struct signal_submission {
  std::string owner_user_id;
  std::string source;
  std::string symbol;
  std::string side;  // long | short | close
  caf::optional<double> price;
  std::string strategy;  // empty: none
  std::string ts;        // RFC 3339; empty: none
  std::string profile;   // trend_follow_v1 | crypto_perps_v1 | full_v1
  std::vector<std::string> models;  // evaluator names; empty: every active one
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_submission& x) {
  return f(caf::meta::type_name("delta.signal_submission"), x.owner_user_id, x.source, x.symbol, x.side,
           x.price, x.strategy, x.ts, x.profile, x.models);
}

// The 202's body: the event is committed.
struct signal_receipt {
  std::string event_id;
  std::string status;  // received
  std::string received_ts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_receipt& x) {
  return f(caf::meta::type_name("delta.signal_receipt"), x.event_id, x.status, x.received_ts);
}

struct signal_document {
  std::string event_id;
  std::string owner_user_id;
  std::string json;  // {event_id, symbol, side, status, profile, timeline, enrichment, decisions, ...}
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_document& x) {
  return f(caf::meta::type_name("delta.signal_document"), x.event_id, x.owner_user_id, x.json);
}

struct signal_query {
  std::string owner_user_id;
  std::string symbol;  // empty: any
  std::string status;  // empty: any
  std::int32_t limit = 50;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_query& x) {
  return f(caf::meta::type_name("delta.signal_query"), x.owner_user_id, x.symbol, x.status, x.limit, x.offset);
}

struct signal_page {
  std::int64_t total = 0;
  std::string items_json;  // a JSON array, newest first
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_page& x) {
  return f(caf::meta::type_name("delta.signal_page"), x.total, x.items_json);
}

using signal_submit_atom = caf::atom_constant<caf::atom("sigsubmit")>;
using signal_get_atom = caf::atom_constant<caf::atom("sigget")>;
using signal_list_atom = caf::atom_constant<caf::atom("siglist")>;

// Errors: unavailable (PostgreSQL), not_found (no such event), invalid.
using signals_actor = caf::typed_actor<
    caf::replies_to<signal_submit_atom, signal_submission>::with<signal_receipt>,
    caf::replies_to<signal_get_atom, std::string>::with<signal_document>,
    caf::replies_to<signal_list_atom, signal_query>::with<signal_page>>;

// The live stream channel of published decisions (anyone may follow it).
inline stream_channel_spec decisions_channel() {
  return {stream_channel_decisions, {"symbol", "model", "event_type"}, {}, false, false};
}

// Where the node finds this domain's services (protocol/service_directory.hpp).
inline constexpr service<signals_actor> signals_service{"signals"};

}  // namespace delta::protocol
