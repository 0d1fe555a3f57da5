#include "storage/llm_repository.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace delta::storage::llm {

namespace {

constexpr const char* rfc3339 = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string ts(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + rfc3339 + ")";
}

// Shortest text that reads back as the same double; "NaN"/"Infinity" for the
// rest, which the tables' CHECKs refuse.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string boolean(bool v) { return v ? "true" : "false"; }

bool is_true(const pg_value& v) { return v.value_or("f") == "t"; }

int to_int(const pg_value& v) { return v ? std::stoi(*v) : 0; }
double to_double(const pg_value& v) { return v ? std::stod(*v) : 0.0; }

// Accounting counts are INTEGER columns: a value outside int32 would fail a
// whole batch, so it is clamped (a latency of 24 days is not a real call).
std::int64_t int32_clamp(std::int64_t v) {
  return std::clamp<std::int64_t>(v, std::numeric_limits<std::int32_t>::min(),
                                  std::numeric_limits<std::int32_t>::max());
}

template <class T, class F>
std::string array_of(const std::vector<T>& items, F field) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += field(items[i]);
  }
  out += '}';
  return out;
}

const std::string route_cols =
    "use_case, provider, model, base_url, coalesce(api_key_env, ''), max_tokens, temperature, "
    "timeout_seconds, json_output, active, " +
    ts("updated_at") + ", coalesce(api_key_sealed, '')";

const std::string fallback_cols =
    "use_case, priority, provider, model, base_url, coalesce(api_key_env, ''), coalesce(api_key_sealed, '')";

const std::string evaluator_cols =
    "name, provider, model, base_url, coalesce(api_key_env, ''), max_tokens, timeout_seconds, active, "
    "position, coalesce(api_key_sealed, '')";

}  // namespace

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void register_statements(pg_pool& pool) {
  // routes
  pool.add_statement("llm_routes_active",
                     "SELECT " + route_cols + " FROM llm_model_routing WHERE active ORDER BY use_case");
  pool.add_statement("llm_routes_all", "SELECT " + route_cols + " FROM llm_model_routing ORDER BY use_case");
  pool.add_statement("llm_route", "SELECT " + route_cols + " FROM llm_model_routing WHERE use_case = $1");
  pool.add_statement(
      "llm_route_upsert",
      "INSERT INTO llm_model_routing (use_case, provider, model, base_url, api_key_env, max_tokens, "
      "temperature, timeout_seconds, json_output, active, updated_at, api_key_sealed) "
      "VALUES ($1, $2, $3, $4, nullif($5, ''), $6::int, $7::float8, $8::int, $9::boolean, $10::boolean, now(), "
      "nullif($11, '')) "
      "ON CONFLICT (use_case) DO UPDATE SET provider = EXCLUDED.provider, model = EXCLUDED.model, "
      "base_url = EXCLUDED.base_url, api_key_env = EXCLUDED.api_key_env, "
      "api_key_sealed = EXCLUDED.api_key_sealed, "
      "max_tokens = EXCLUDED.max_tokens, temperature = EXCLUDED.temperature, "
      "timeout_seconds = EXCLUDED.timeout_seconds, json_output = EXCLUDED.json_output, "
      "active = EXCLUDED.active, updated_at = now() "
      "RETURNING " + route_cols);

  // fallbacks
  pool.add_statement("llm_fallbacks",
                     "SELECT " + fallback_cols + " FROM llm_fallback_chain WHERE use_case = $1 ORDER BY priority");
  pool.add_statement("llm_fallbacks_all",
                     "SELECT " + fallback_cols + " FROM llm_fallback_chain ORDER BY use_case, priority");
  pool.add_statement("llm_fallbacks_delete", "DELETE FROM llm_fallback_chain WHERE use_case = $1");
  pool.add_statement(
      "llm_fallbacks_insert",
      "INSERT INTO llm_fallback_chain (use_case, priority, provider, model, base_url, api_key_env, "
      "api_key_sealed) "
      "SELECT $1, u.ord, u.provider, u.model, u.base_url, nullif(u.key_env, ''), nullif(u.sealed, '') "
      "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY "
      "AS u (provider, model, base_url, key_env, sealed, ord)");

  // evaluators
  pool.add_statement("llm_evaluators", "SELECT " + evaluator_cols + " FROM llm_evaluators ORDER BY position");
  pool.add_statement("llm_evaluators_delete", "DELETE FROM llm_evaluators");
  pool.add_statement(
      "llm_evaluators_insert",
      "INSERT INTO llm_evaluators (name, provider, model, base_url, api_key_env, max_tokens, "
      "timeout_seconds, active, position, api_key_sealed) "
      "SELECT u.name, u.provider, u.model, u.base_url, nullif(u.key_env, ''), u.max_tokens, "
      "u.timeout_seconds, u.active, u.ord, nullif(u.sealed, '') "
      "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], "
      "$8::boolean[], $9::text[]) WITH ORDINALITY "
      "AS u (name, provider, model, base_url, key_env, max_tokens, timeout_seconds, active, sealed, ord)");

  // prices
  pool.add_statement("llm_prices",
                     "SELECT provider, model, usd_per_million_input::float8, usd_per_million_output::float8 "
                     "FROM llm_prices ORDER BY provider, model");
  pool.add_statement("llm_price_upsert",
                     "INSERT INTO llm_prices (provider, model, usd_per_million_input, usd_per_million_output) "
                     "VALUES ($1, $2, $3::numeric, $4::numeric) "
                     "ON CONFLICT (provider, model) DO UPDATE SET "
                     "usd_per_million_input = EXCLUDED.usd_per_million_input, "
                     "usd_per_million_output = EXCLUDED.usd_per_million_output, updated_at = now()");

  // change detection
  pool.add_statement("llm_config_version", "SELECT version, " + ts("changed_at") + " FROM llm_config_version");

  // accounting
  const std::string at_of = "CASE WHEN {ms} > 0 THEN 'epoch'::timestamptz + {ms} * interval '1 millisecond' "
                            "ELSE now() END";
  auto at_expr = [&](const std::string& ms) {
    std::string s = at_of;
    for (auto pos = s.find("{ms}"); pos != std::string::npos; pos = s.find("{ms}"))
      s.replace(pos, 4, ms);
    return s;
  };
  pool.add_statement(
      "llm_call_insert",
      "INSERT INTO llm_calls (at, provider, model, use_case, outcome, latency_ms, prompt_tokens, "
      "completion_tokens, cost_usd, error_kind) "
      "VALUES (" + at_expr("$1::bigint") + ", $2, $3, $4, $5, $6::int, $7::int, $8::int, $9::numeric, "
      "nullif($10, '')) RETURNING id");
  pool.add_statement(
      "llm_calls_insert_batch",
      "INSERT INTO llm_calls (at, provider, model, use_case, outcome, latency_ms, prompt_tokens, "
      "completion_tokens, cost_usd, error_kind) "
      "SELECT " + at_expr("u.ms") + ", u.provider, u.model, u.use_case, u.outcome, u.latency_ms, "
      "u.prompt_tokens, u.completion_tokens, u.cost_usd, nullif(u.error_kind, '') "
      "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], "
      "$8::int[], $9::numeric[], $10::text[]) "
      "AS u (ms, provider, model, use_case, outcome, latency_ms, prompt_tokens, completion_tokens, "
      "cost_usd, error_kind)");
  pool.add_statement("llm_calls_ensure_partitions",
                     "SELECT llm_calls_ensure_partitions($1::int, $2::int)");
  pool.add_statement("llm_calls_drop_older_than",
                     "SELECT llm_calls_drop_before(now() - make_interval(days => $1::int))");
  pool.add_statement("llm_calls_drop_before", "SELECT llm_calls_drop_before($1::timestamptz)");
  pool.add_statement("llm_calls_partitions",
                     "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                     "WHERE i.inhparent = 'llm_calls'::regclass ORDER BY 1");
}

// ---- routes ----

pg_statement active_routes() { return pg_statement::prepared("llm_routes_active"); }
pg_statement all_routes() { return pg_statement::prepared("llm_routes_all"); }
pg_statement route(const std::string& use_case) { return pg_statement::prepared("llm_route", {use_case}); }

pg_statement upsert_route(const route_row& r) {
  return pg_statement::prepared(
      "llm_route_upsert",
      {r.use_case, r.provider, r.model, r.base_url, r.api_key_env, std::to_string(r.max_tokens),
       number(r.temperature), std::to_string(r.timeout_seconds), boolean(r.json_output), boolean(r.active),
       r.api_key_sealed});
}

// ---- fallbacks ----

pg_statement fallbacks(const std::string& use_case) {
  return pg_statement::prepared("llm_fallbacks", {use_case});
}

pg_statement all_fallbacks() { return pg_statement::prepared("llm_fallbacks_all"); }

std::vector<pg_statement> replace_fallbacks(const std::string& use_case,
                                            const std::vector<fallback_row>& chain) {
  return {pg_statement::prepared("llm_fallbacks_delete", {use_case}),
          pg_statement::prepared(
              "llm_fallbacks_insert",
              {use_case, text_array_of(chain, [](auto& f) { return f.provider; }),
               text_array_of(chain, [](auto& f) { return f.model; }),
               text_array_of(chain, [](auto& f) { return f.base_url; }),
               text_array_of(chain, [](auto& f) { return f.api_key_env; }),
               text_array_of(chain, [](auto& f) { return f.api_key_sealed; })}),
          fallbacks(use_case)};
}

// ---- evaluators ----

pg_statement evaluators() { return pg_statement::prepared("llm_evaluators"); }

std::vector<pg_statement> replace_evaluators(const std::vector<evaluator_row>& list) {
  return {pg_statement::prepared("llm_evaluators_delete"),
          pg_statement::prepared(
              "llm_evaluators_insert",
              {text_array_of(list, [](auto& e) { return e.name; }),
               text_array_of(list, [](auto& e) { return e.provider; }),
               text_array_of(list, [](auto& e) { return e.model; }),
               text_array_of(list, [](auto& e) { return e.base_url; }),
               text_array_of(list, [](auto& e) { return e.api_key_env; }),
               array_of(list, [](auto& e) { return std::to_string(e.max_tokens); }),
               array_of(list, [](auto& e) { return std::to_string(e.timeout_seconds); }),
               array_of(list, [](auto& e) { return boolean(e.active); }),
               text_array_of(list, [](auto& e) { return e.api_key_sealed; })}),
          evaluators()};
}

// ---- prices ----

pg_statement prices() { return pg_statement::prepared("llm_prices"); }

pg_statement upsert_price(const price_row& p) {
  return pg_statement::prepared("llm_price_upsert", {p.provider, p.model, number(p.input_per_million),
                                                     number(p.output_per_million)});
}

// ---- change detection ----

pg_statement version() { return pg_statement::prepared("llm_config_version"); }

// ---- accounting ----

pg_statement insert_call(const call_row& c) {
  return pg_statement::prepared(
      "llm_call_insert",
      {std::to_string(c.at_unix_ms), c.provider, c.model, c.use_case, c.outcome,
       std::to_string(int32_clamp(c.latency_ms)), std::to_string(int32_clamp(c.prompt_tokens)),
       std::to_string(int32_clamp(c.completion_tokens)), number(c.cost_usd), c.error_kind});
}

pg_statement insert_calls(const std::vector<call_row>& calls) {
  return pg_statement::prepared(
      "llm_calls_insert_batch",
      {array_of(calls, [](auto& c) { return std::to_string(c.at_unix_ms); }),
       text_array_of(calls, [](auto& c) { return c.provider; }),
       text_array_of(calls, [](auto& c) { return c.model; }),
       text_array_of(calls, [](auto& c) { return c.use_case; }),
       text_array_of(calls, [](auto& c) { return c.outcome; }),
       array_of(calls, [](auto& c) { return std::to_string(int32_clamp(c.latency_ms)); }),
       array_of(calls, [](auto& c) { return std::to_string(int32_clamp(c.prompt_tokens)); }),
       array_of(calls, [](auto& c) { return std::to_string(int32_clamp(c.completion_tokens)); }),
       array_of(calls, [](auto& c) { return number(c.cost_usd); }),
       text_array_of(calls, [](auto& c) { return c.error_kind; })});
}

pg_statement ensure_call_partitions(int days_ahead, int days_back) {
  return pg_statement::prepared("llm_calls_ensure_partitions",
                                {std::to_string(days_ahead), std::to_string(days_back)});
}

pg_statement drop_calls_older_than(int retention_days) {
  return pg_statement::prepared("llm_calls_drop_older_than", {std::to_string(retention_days)});
}

pg_statement drop_calls_before(const std::string& cutoff) {
  return pg_statement::prepared("llm_calls_drop_before", {cutoff});
}

pg_statement call_partitions() { return pg_statement::prepared("llm_calls_partitions"); }

// ---- row conversions ----

route_row to_route(const pg_row& row) {
  route_row r;
  r.use_case = row.at(0).value_or("");
  r.provider = row.at(1).value_or("");
  r.model = row.at(2).value_or("");
  r.base_url = row.at(3).value_or("");
  r.api_key_env = row.at(4).value_or("");
  r.max_tokens = to_int(row.at(5));
  r.temperature = to_double(row.at(6));
  r.timeout_seconds = to_int(row.at(7));
  r.json_output = is_true(row.at(8));
  r.active = is_true(row.at(9));
  r.updated_at = row.at(10).value_or("");
  r.api_key_sealed = row.at(11).value_or("");
  return r;
}

std::vector<route_row> to_routes(const pg_result& r) {
  std::vector<route_row> out;
  out.reserve(r.rows.size());
  for (auto& row : r.rows) out.push_back(to_route(row));
  return out;
}

std::vector<fallback_row> to_fallbacks(const pg_result& r) {
  std::vector<fallback_row> out;
  out.reserve(r.rows.size());
  for (auto& row : r.rows) {
    fallback_row f;
    f.use_case = row.at(0).value_or("");
    f.priority = to_int(row.at(1));
    f.provider = row.at(2).value_or("");
    f.model = row.at(3).value_or("");
    f.base_url = row.at(4).value_or("");
    f.api_key_env = row.at(5).value_or("");
    f.api_key_sealed = row.at(6).value_or("");
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<evaluator_row> to_evaluators(const pg_result& r) {
  std::vector<evaluator_row> out;
  out.reserve(r.rows.size());
  for (auto& row : r.rows) {
    evaluator_row e;
    e.name = row.at(0).value_or("");
    e.provider = row.at(1).value_or("");
    e.model = row.at(2).value_or("");
    e.base_url = row.at(3).value_or("");
    e.api_key_env = row.at(4).value_or("");
    e.max_tokens = to_int(row.at(5));
    e.timeout_seconds = to_int(row.at(6));
    e.active = is_true(row.at(7));
    e.position = to_int(row.at(8));
    e.api_key_sealed = row.at(9).value_or("");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<price_row> to_prices(const pg_result& r) {
  std::vector<price_row> out;
  out.reserve(r.rows.size());
  for (auto& row : r.rows)
    out.push_back({row.at(0).value_or(""), row.at(1).value_or(""), to_double(row.at(2)),
                   to_double(row.at(3))});
  return out;
}

config_version to_version(const pg_result& r) {
  if (r.rows.empty()) return {};
  auto& row = r.rows.front();
  return {row.at(0) ? std::stoll(*row.at(0)) : 0, row.at(1).value_or("")};
}

std::int64_t to_count(const pg_result& r) {
  if (r.rows.empty() || r.rows.front().empty() || !r.rows.front().front()) return 0;
  return std::stoll(*r.rows.front().front());
}

}  // namespace delta::storage::llm
