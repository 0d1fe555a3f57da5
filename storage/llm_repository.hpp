#pragma once
// SQL for the LLM gateway's durable data (migrations/0003_llm.sql): routing
// rows, fallback chains, evaluators, prices, the config version the gateway
// polls to reload, and the llm_calls accounting with its daily partitions.
//
// The structs are storage's own plain values so delta_storage does not
// depend on delta_llm_core (actors/ is configured after storage/). They map
// onto the pure core like this:
//   route_row / fallback_row / evaluator_row {provider, model, base_url}
//       -> llm::endpoint{provider, model, base_url} (the breaker key);
//   route_row::use_case -> llm::parse_use_case() (the table's CHECK holds the
//       same closed set, so it never fails on rows read back);
//   route_row::provider -> llm::wire_format_of() (same closed set);
//   price_row -> price_table::set(provider, model,
//       model_price{input_per_million, output_per_million}).
//
// API keys: rows hold either api_key_env, the NAME of an environment
// variable of deltad (the gateway reads std::getenv()), or api_key_sealed, a
// literal key sealed by the gateway's key_vault (migrations/0006): only
// ciphertext is stored or read back here; nothing here can open it, and no
// key is logged. Empty strings are stored as NULL.
//
// The route row is a use case's primary endpoint; its fallbacks follow in
// priority order (1 first) and use the route's max_tokens, temperature,
// timeout_seconds and json_output.

#include "storage/pg_pool.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace delta::storage::llm {

struct route_row {
  std::string use_case;  // explain, cohort_match, ... signal_evaluate
  std::string provider;  // openai, openai_compat, ollama, vllm, anthropic
  std::string model;
  std::string base_url;
  std::string api_key_env;  // empty: no key
  std::string api_key_sealed;  // a literal key sealed by the gateway ("v1:..."); empty: none
  int max_tokens = 4096;
  double temperature = 0.7;  // 0..2
  int timeout_seconds = 120;  // 1..600
  bool json_output = false;
  bool active = true;
  std::string updated_at;  // RFC 3339 UTC; read only (set by the database)
};

struct fallback_row {
  std::string use_case;
  int priority = 1;  // 1 = first fallback after the route's own endpoint
  std::string provider;
  std::string model;
  std::string base_url;
  std::string api_key_env;  // empty: no key
  std::string api_key_sealed;  // see route_row
};

struct evaluator_row {
  std::string name;  // the decision's `model`
  std::string provider;
  std::string model;
  std::string base_url;
  std::string api_key_env;  // empty: no key
  int max_tokens = 1024;
  int timeout_seconds = 60;
  bool active = true;
  int position = 1;  // list order, 1 first; assigned from the vector order on replace
  std::string api_key_sealed;  // see route_row
};

struct price_row {
  std::string provider;
  std::string model;
  double input_per_million = 0.0;   // USD
  double output_per_million = 0.0;  // USD
};

// One provider call for llm_calls.
struct call_row {
  std::int64_t at_unix_ms = 0;  // when the call started; 0 = the insert's now()
  std::string provider;
  std::string model;
  std::string use_case;
  std::string outcome;  // ok, error, timeout, invalid_output, breaker_open, rate_limited
  std::int64_t latency_ms = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost_usd = 0.0;
  std::string error_kind;  // empty: NULL
};

struct config_version {
  std::int64_t version = 0;  // bumped by every statement on the config tables
  std::string changed_at;    // RFC 3339 UTC
};

void register_statements(pg_pool& pool);

// ---- routes ----
pg_statement active_routes();  // ordered by use case; rows for to_routes()
pg_statement all_routes();     // active or not, ordered by use case
pg_statement route(const std::string& use_case);  // zero or one row
// PUT semantics: inserts or replaces every column; returns the stored row.
pg_statement upsert_route(const route_row& r);

// ---- fallbacks ----
pg_statement fallbacks(const std::string& use_case);  // ordered by priority
pg_statement all_fallbacks();                          // ordered by use case, priority
// Run with transaction = true: deletes the chain, inserts `chain` with
// priorities 1..n from the vector order (row priorities and use_case fields
// are ignored). Any invalid row rolls the whole replacement back. The second
// result holds the new chain.
std::vector<pg_statement> replace_fallbacks(const std::string& use_case,
                                            const std::vector<fallback_row>& chain);

// ---- evaluators ----
pg_statement evaluators();  // ordered by position
// Run with transaction = true: replaces the whole list, positions 1..n from
// the vector order. The second result holds the new list.
std::vector<pg_statement> replace_evaluators(const std::vector<evaluator_row>& list);

// ---- prices ----
pg_statement prices();  // ordered by provider, model
pg_statement upsert_price(const price_row& p);

// ---- change detection ----
pg_statement version();  // one row: version, changed_at

// ---- accounting ----
pg_statement insert_call(const call_row& c);  // returns the id
// Many rows in one statement (unnest of arrays); affected = rows inserted.
// An invalid row fails the whole batch (pg_failure::constraint).
pg_statement insert_calls(const std::vector<call_row>& calls);
// Creates missing daily partitions from days_back days ago to days_ahead
// days ahead (UTC days); one row: how many were created.
pg_statement ensure_call_partitions(int days_ahead, int days_back = 0);
// Drops the daily partitions that end before now() - retention_days and the
// default partition's rows older than that; one row: partitions dropped.
pg_statement drop_calls_older_than(int retention_days);
// The same with an explicit cutoff (RFC 3339 or any timestamptz literal).
pg_statement drop_calls_before(const std::string& cutoff);
// Names of llm_calls' partitions, ordered (llm_calls_default, llm_calls_pYYYYMMDD...).
pg_statement call_partitions();

// ---- row conversions ----
route_row to_route(const pg_row& row);
std::vector<route_row> to_routes(const pg_result& r);
std::vector<fallback_row> to_fallbacks(const pg_result& r);
std::vector<evaluator_row> to_evaluators(const pg_result& r);
std::vector<price_row> to_prices(const pg_result& r);
config_version to_version(const pg_result& r);  // version 0 when empty
std::int64_t to_count(const pg_result& r);      // first column of the first row, 0 when empty

// A PostgreSQL text[] literal of `values` (empty strings kept, quoted and
// escaped); exposed for tests.
std::string text_array(const std::vector<std::string>& values);

// The text[] literal of one field of each item (a column for unnest()).
template <class T, class F>
std::string text_array_of(const std::vector<T>& items, F field) {
  std::vector<std::string> values;
  values.reserve(items.size());
  for (auto& item : items) values.push_back(field(item));
  return text_array(values);
}

}  // namespace delta::storage::llm
