#include "storage/signal_repository.hpp"

// text_array(), text_array_of(): the PostgreSQL text[] literals the LLM accounting batch uses too.
#include "storage/llm_repository.hpp"

#include <charconv>

namespace delta::storage::signals {

namespace {

using llm::text_array;
using llm::text_array_of;

std::string ts(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ",") + n;  // evaluator names have no commas
  return out;
}

// A text[] column as libpq's text format gives it: {a,b,"c d"}.
std::vector<std::string> parse_text_array(const std::string& text) {
  std::vector<std::string> out;
  if (text.size() < 2) return out;
  std::string cur;
  bool quoted = false, any = false;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size()) cur += text[++i];
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
      any = true;
    }
  }
  if (any || !out.empty()) out.push_back(std::move(cur));
  return out;
}

std::int64_t to_int64(const pg_value& v) { return v ? std::stoll(*v) : 0; }

const std::string event_cols =
    "event_id::text, owner_user_id::text, symbol, side, price, coalesce(strategy, ''), profile, models, "
    "status, next_stage, attempts";

const std::string document_sql =
    "SELECT e.owner_user_id::text, json_build_object("
    " 'event_id', e.event_id, 'source', e.source, 'symbol', e.symbol, 'side', e.side,"
    " 'price', e.price, 'strategy', e.strategy, 'ts', " + ts("e.ts") + ","
    " 'profile', e.profile, 'models', e.models, 'status', e.status, 'attempts', e.attempts,"
    " 'received_ts', " + ts("e.received_ts") + ", 'updated_at', " + ts("e.updated_at") + ","
    " 'timeline', coalesce((SELECT json_agg(json_build_object('stage', t.stage, 'status', t.status,"
    "     'at', " + ts("t.at") + ", 'detail', t.detail) ORDER BY t.id)"
    "   FROM processing_timeline t WHERE t.event_id = e.event_id), '[]'),"
    " 'enrichment', (SELECT json_build_object('features', x.features, 'quality_flags', to_json(x.quality_flags),"
    "     'enriched_at', " + ts("x.enriched_at") + ") FROM enriched_events x WHERE x.event_id = e.event_id),"
    " 'decisions', coalesce((SELECT json_agg(json_build_object('model', d.model, 'provider', d.provider,"
    "     'provider_model', d.provider_model, 'decision', d.decision, 'confidence', d.confidence,"
    "     'rationale', d.rationale, 'latency_ms', d.latency_ms, 'tokens', json_build_object("
    "       'prompt', d.prompt_tokens, 'completion', d.completion_tokens,"
    "       'total', d.prompt_tokens + d.completion_tokens)) ORDER BY d.model)"
    "   FROM model_decisions d WHERE d.event_id = e.event_id AND d.error IS NULL), '[]'),"
    " 'model_failures', coalesce((SELECT json_agg(json_build_object('model', d.model, 'provider', d.provider,"
    "     'error', d.error, 'latency_ms', d.latency_ms, 'at', " + ts("d.decided_at") + ") ORDER BY d.model)"
    "   FROM model_decisions d WHERE d.event_id = e.event_id AND d.error IS NOT NULL), '[]'),"
    " 'dead_letter', (SELECT json_build_object('stage', q.stage, 'reason', q.reason, 'attempts', q.attempts,"
    "     'at', " + ts("q.at") + ") FROM dlq_entries q WHERE q.event_id = e.event_id ORDER BY q.id DESC LIMIT 1)"
    ")::text FROM events e WHERE e.event_id = $1::uuid";

// The list's filter: $1 owner, $2 symbol or '', $3 status or ''.
constexpr const char* list_where =
    " FROM events WHERE owner_user_id = $1::uuid AND ($2::text = '' OR symbol = $2::text)"
    " AND ($3::text = '' OR status = $3::text)";

}  // namespace

void register_statements(pg_pool& pool) {
  pool.add_statement(
      "signals_insert",
      "WITH input AS ("
      "  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],"
      "                       $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY"
      "    AS i(event_id, owner, source, symbol, side, price, strategy, ts, profile, models, n)),"
      " ins AS ("
      "  INSERT INTO events (event_id, owner_user_id, source, symbol, side, price, strategy, ts, profile, models,"
      "                      lease_until)"
      "  SELECT event_id, owner, source, symbol, side, nullif(price, '')::float8, nullif(strategy, ''),"
      "         nullif(ts, '')::timestamptz, profile, coalesce(string_to_array(nullif(models, ''), ','), '{}'),"
      "         CASE WHEN n <= $12::bigint THEN now() + make_interval(secs => $11::float8 / 1000) END"
      "  FROM input RETURNING event_id, received_ts),"
      " tl AS (INSERT INTO processing_timeline (event_id, stage, status, at)"
      "        SELECT event_id, 'ingest', 'received', received_ts FROM ins)"
      "SELECT event_id::text, " + ts("received_ts") + " FROM ins");
  pool.add_statement(
      "signals_claim",
      "UPDATE events SET lease_until = now() + make_interval(secs => $2::float8 / 1000), updated_at = now()"
      // = ANY(ARRAY(...)), not IN (...): the planner would hash-join IN
      // against a sequential scan of every event ever received.
      " WHERE event_id = ANY(ARRAY(SELECT event_id FROM events"
      "   WHERE NOT done AND next_attempt_at <= now()"
      "     AND (lease_until IS NULL OR lease_until < now())"
      "   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED))"
      " RETURNING " + event_cols);
  pool.add_statement("signals_depth",
                     "SELECT count(*) FROM events WHERE NOT done");
  pool.add_statement(
      "signals_fail",
      "WITH u AS (UPDATE events SET status = 'failed', attempts = $3::int, last_error = $5::text, lease_until = NULL,"
      "  next_attempt_at = now() + make_interval(secs => $4::float8 / 1000), updated_at = now()"
      "  WHERE event_id = $1::uuid AND NOT done RETURNING event_id)"
      " INSERT INTO processing_timeline (event_id, stage, status, detail)"
      " SELECT event_id, $2::text, 'failed', $5::text FROM u");
  pool.add_statement(
      "signals_bury",
      "WITH u AS (UPDATE events SET status = 'dead', next_stage = 'none', done = true, attempts = $3::int,"
      "  last_error = $4::text,"
      "  lease_until = NULL, updated_at = now() WHERE event_id = $1::uuid AND NOT done RETURNING event_id),"
      " q AS (INSERT INTO dlq_entries (event_id, stage, reason, attempts) SELECT event_id, $2::text, $4::text, $3::int FROM u)"
      " INSERT INTO processing_timeline (event_id, stage, status, detail)"
      " SELECT event_id, $2::text, 'dead', $4::text FROM u");
  pool.add_statement(
      "signals_renew",
      "UPDATE events SET lease_until = now() + make_interval(secs => $2::float8 / 1000)"
      // Only live leases: an event just failed or released stays free.
      " WHERE event_id = ANY($1::uuid[]) AND NOT done AND lease_until IS NOT NULL");
  pool.add_statement("signals_release", "UPDATE events SET lease_until = NULL WHERE event_id = ANY($1::uuid[])");
  pool.add_statement(
      "signals_advance_many",
      "WITH u AS (UPDATE events e SET status = i.status, next_stage = i.next_stage, attempts = 0,"
      "  last_error = NULL, updated_at = now(), done = (i.next_stage = 'none')"
      "  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])"
      "    AS i(event_id, stage, status, next_stage, detail)"
      // Only from the stage it expects: a late write (a reply lost after
      // its commit, a lease that lapsed to another node) never moves an
      // event back.
      "  WHERE e.event_id = i.event_id AND e.next_stage = i.stage AND NOT e.done"
      "  RETURNING e.event_id, i.stage, i.status, i.detail)"
      " INSERT INTO processing_timeline (event_id, stage, status, detail)"
      " SELECT event_id, stage, status, nullif(detail, '') FROM u");
  pool.add_statement(
      "signals_save_enrichments",
      "INSERT INTO enriched_events (event_id, profile, features, quality_flags)"
      " SELECT i, p, f::jsonb, coalesce(string_to_array(nullif(q, ''), ','), '{}')"
      " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(i, p, f, q)"
      " ON CONFLICT (event_id) DO UPDATE SET profile = excluded.profile, features = excluded.features,"
      "   quality_flags = excluded.quality_flags, enriched_at = now()");
  pool.add_statement("signals_security", "SELECT security_id::text FROM securities WHERE ticker = $1");
  pool.add_statement("signals_load_enrichment",
                     "SELECT features::text, quality_flags FROM enriched_events WHERE event_id = $1::uuid");
  pool.add_statement(
      "signals_save_decisions",
      "INSERT INTO model_decisions (event_id, model, provider, provider_model, decision, confidence, rationale,"
      "  latency_ms, prompt_tokens, completion_tokens, error)"
      " SELECT i, m, p, pm, nullif(d, ''), nullif(c, '')::float8, nullif(r, ''), l, pt, ct, nullif(e, '')"
      " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
      "             $8::bigint[], $9::bigint[], $10::bigint[], $11::text[]) AS x(i, m, p, pm, d, c, r, l, pt, ct, e)"
      " ON CONFLICT (event_id, model) DO UPDATE SET provider = excluded.provider,"
      "   provider_model = excluded.provider_model, decision = excluded.decision,"
      "   confidence = excluded.confidence, rationale = excluded.rationale, latency_ms = excluded.latency_ms,"
      "   prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,"
      "   error = excluded.error, decided_at = now()");
  pool.add_statement(
      "signals_load_decisions",
      "SELECT model, provider, provider_model, decision, confidence, coalesce(rationale, ''), latency_ms,"
      " prompt_tokens, completion_tokens FROM model_decisions"
      " WHERE event_id = $1::uuid AND error IS NULL ORDER BY model");
  pool.add_statement("signals_document", document_sql);
  pool.add_statement("signals_count", std::string{"SELECT count(*)"} + list_where);
  pool.add_statement(
      "signals_page",
      "SELECT coalesce(json_agg(json_build_object('event_id', event_id, 'source', source, 'symbol', symbol,"
      "  'side', side, 'price', price, 'strategy', strategy, 'profile', profile, 'status', status,"
      "  'attempts', attempts, 'received_ts', " + ts("received_ts") + ", 'updated_at', " + ts("updated_at") +
      ") ORDER BY received_ts DESC, event_id DESC), '[]')::text"
      " FROM (SELECT *" + list_where + " ORDER BY received_ts DESC, event_id DESC LIMIT $4::bigint OFFSET $5::bigint) page");
}

pg_statement insert_batch(const std::vector<new_event>& events, std::int64_t lease_ms, std::size_t leased) {
  return pg_statement::prepared(
      "signals_insert",
      {text_array_of(events, [](auto& e) { return e.event_id; }), text_array_of(events, [](auto& e) { return e.owner; }),
       text_array_of(events, [](auto& e) { return e.source; }), text_array_of(events, [](auto& e) { return e.symbol; }),
       text_array_of(events, [](auto& e) { return e.side; }),
       text_array_of(events, [](auto& e) { return e.price ? number(*e.price) : std::string{}; }),
       text_array_of(events, [](auto& e) { return e.strategy; }), text_array_of(events, [](auto& e) { return e.ts; }),
       text_array_of(events, [](auto& e) { return e.profile; }),
       text_array_of(events, [](auto& e) { return joined(e.models); }), std::to_string(lease_ms),
       std::to_string(leased)});
}

std::vector<receipt> to_receipts(const pg_result& r) {
  std::vector<receipt> out;
  for (auto& row : r.rows) out.push_back({row.at(0).value_or(""), row.at(1).value_or("")});
  return out;
}

pg_statement claim(int limit, std::int64_t lease_ms) {
  return pg_statement::prepared("signals_claim", {std::to_string(limit), std::to_string(lease_ms)});
}

std::vector<event_row> to_events(const pg_result& r) {
  std::vector<event_row> out;
  for (auto& row : r.rows) {
    event_row e;
    e.event_id = row.at(0).value_or("");
    e.owner = row.at(1).value_or("");
    e.symbol = row.at(2).value_or("");
    e.side = row.at(3).value_or("");
    if (row.at(4)) e.price = std::stod(*row.at(4));
    e.strategy = row.at(5).value_or("");
    e.profile = row.at(6).value_or("");
    e.models = parse_text_array(row.at(7).value_or("{}"));
    e.status = row.at(8).value_or("");
    e.next_stage = row.at(9).value_or("");
    e.attempts = static_cast<int>(to_int64(row.at(10)));
    out.push_back(std::move(e));
  }
  return out;
}

pg_statement queue_depth() { return pg_statement::prepared("signals_depth"); }

std::int64_t to_count(const pg_result& r) { return r.rows.empty() ? 0 : to_int64(r.rows[0].at(0)); }

pg_statement renew(const std::vector<std::string>& event_ids, std::int64_t lease_ms) {
  return pg_statement::prepared("signals_renew", {text_array(event_ids), std::to_string(lease_ms)});
}

pg_statement release(const std::vector<std::string>& event_ids) {
  return pg_statement::prepared("signals_release", {text_array(event_ids)});
}

pg_statement fail(const std::string& event_id, const std::string& stage, int attempts, std::int64_t retry_ms,
                  const std::string& reason) {
  return pg_statement::prepared("signals_fail",
                                {event_id, stage, std::to_string(attempts), std::to_string(retry_ms), reason});
}

pg_statement bury(const std::string& event_id, const std::string& stage, int attempts, const std::string& reason) {
  return pg_statement::prepared("signals_bury", {event_id, stage, std::to_string(attempts), reason});
}

pg_statement security_of(const std::string& symbol) { return pg_statement::prepared("signals_security", {symbol}); }

std::optional<std::string> to_security_id(const pg_result& r) {
  if (r.rows.empty() || !r.rows[0].at(0)) return std::nullopt;
  return *r.rows[0].at(0);
}

pg_statement load_enrichment(const std::string& event_id) {
  return pg_statement::prepared("signals_load_enrichment", {event_id});
}

std::optional<enrichment_row> to_enrichment(const pg_result& r) {
  if (r.rows.empty()) return std::nullopt;
  return enrichment_row{r.rows[0].at(0).value_or("{}"), parse_text_array(r.rows[0].at(1).value_or("{}"))};
}

void stage_writes::absorb(stage_writes&& other) {
  auto move_all = [](auto& to, auto& from) { to.insert(to.end(), std::make_move_iterator(from.begin()),
                                                       std::make_move_iterator(from.end())); };
  move_all(enrichments, other.enrichments);
  move_all(decisions, other.decisions);
  move_all(advances, other.advances);
}

namespace {

pg_statement save_enrichments(const std::vector<enrichment_write>& rows) {
  return pg_statement::prepared(
      "signals_save_enrichments",
      {text_array_of(rows, [](auto& x) { return x.event_id; }), text_array_of(rows, [](auto& x) { return x.profile; }),
       text_array_of(rows, [](auto& x) { return x.features_json; }),
       text_array_of(rows, [](auto& x) { return joined(x.quality_flags); })});
}

pg_statement save_decisions(const std::vector<decision_write>& rows) {
  return pg_statement::prepared(
      "signals_save_decisions",
      {text_array_of(rows, [](auto& x) { return x.event_id; }),
       text_array_of(rows, [](auto& x) { return x.decision.model; }),
       text_array_of(rows, [](auto& x) { return x.decision.provider; }),
       text_array_of(rows, [](auto& x) { return x.decision.provider_model; }),
       text_array_of(rows, [](auto& x) { return x.decision.decision; }),
       text_array_of(rows, [](auto& x) { return x.decision.error.empty() ? number(x.decision.confidence) : std::string{}; }),
       text_array_of(rows, [](auto& x) { return x.decision.rationale; }),
       text_array_of(rows, [](auto& x) { return std::to_string(x.decision.latency_ms); }),
       text_array_of(rows, [](auto& x) { return std::to_string(x.decision.prompt_tokens); }),
       text_array_of(rows, [](auto& x) { return std::to_string(x.decision.completion_tokens); }),
       text_array_of(rows, [](auto& x) { return x.decision.error; })});
}

pg_statement advance_many(const std::vector<advance_write>& rows) {
  return pg_statement::prepared(
      "signals_advance_many",
      {text_array_of(rows, [](auto& x) { return x.event_id; }), text_array_of(rows, [](auto& x) { return x.stage; }),
       text_array_of(rows, [](auto& x) { return x.status; }), text_array_of(rows, [](auto& x) { return x.next_stage; }),
       text_array_of(rows, [](auto& x) { return x.detail; })});
}

}  // namespace

std::vector<pg_statement> write_batch(const stage_writes& w) {
  // Custom plans: a generic plan cached while `events` was small (a fresh
  // database) hash-joins against a scan of the whole table and stays cached
  // until the next ANALYZE; planning a batch statement costs next to nothing.
  std::vector<pg_statement> steps{pg_statement::literal("SET LOCAL synchronous_commit TO off"),
                                  pg_statement::literal("SET LOCAL plan_cache_mode TO force_custom_plan")};
  if (!w.enrichments.empty()) steps.push_back(save_enrichments(w.enrichments));
  if (!w.decisions.empty()) steps.push_back(save_decisions(w.decisions));
  if (!w.advances.empty()) steps.push_back(advance_many(w.advances));
  return steps;
}

pg_statement load_decisions(const std::string& event_id) {
  return pg_statement::prepared("signals_load_decisions", {event_id});
}

std::vector<decision_row> to_decisions(const pg_result& r) {
  std::vector<decision_row> out;
  for (auto& row : r.rows) {
    decision_row d;
    d.model = row.at(0).value_or("");
    d.provider = row.at(1).value_or("");
    d.provider_model = row.at(2).value_or("");
    d.decision = row.at(3).value_or("");
    d.confidence = row.at(4) ? std::stod(*row.at(4)) : 0.0;
    d.rationale = row.at(5).value_or("");
    d.latency_ms = to_int64(row.at(6));
    d.prompt_tokens = to_int64(row.at(7));
    d.completion_tokens = to_int64(row.at(8));
    out.push_back(std::move(d));
  }
  return out;
}

pg_statement document(const std::string& event_id) { return pg_statement::prepared("signals_document", {event_id}); }

std::optional<document_row> to_document(const pg_result& r) {
  if (r.rows.empty()) return std::nullopt;
  return document_row{r.rows[0].at(0).value_or(""), r.rows[0].at(1).value_or("{}")};
}

std::vector<pg_statement> list(const std::string& owner, const std::string& symbol, const std::string& status,
                               int limit, std::int64_t offset) {
  return {pg_statement::prepared("signals_count", {owner, symbol, status}),
          pg_statement::prepared("signals_page",
                                 {owner, symbol, status, std::to_string(limit), std::to_string(offset)})};
}

page_row to_page(const std::vector<pg_result>& results) {
  page_row p;
  p.total = to_count(results.at(0));
  auto& page = results.at(1);
  p.items_json = page.rows.empty() ? "[]" : page.rows[0].at(0).value_or("[]");
  return p;
}

}  // namespace delta::storage::signals
