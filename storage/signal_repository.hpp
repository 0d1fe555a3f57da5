#pragma once
// SQL of the signal pipeline (migrations/0007_signals.sql). Every stage's
// output and the event's move to its next status are written in one
// transaction (write_batch(), shared by the stages of many events), so the
// database is the truth a restarted pipeline resumes from.

#include "storage/pg_pool.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace delta::storage::signals {

struct new_event {
  std::string event_id;  // a UUID chosen by the caller
  std::string owner;     // user id
  std::string source;
  std::string symbol;
  std::string side;
  std::optional<double> price;
  std::string strategy;  // empty: none
  std::string ts;        // RFC 3339; empty: none
  std::string profile;
  std::vector<std::string> models;  // empty: every active evaluator
};

struct enrichment_row {
  std::string features_json;
  std::vector<std::string> quality_flags;
};

// One evaluator's outcome: a decision, or (error set) its failure.
struct decision_row {
  std::string model;  // evaluator name
  std::string provider;
  std::string provider_model;
  std::string decision;  // empty for a failure
  double confidence = 0;
  std::string rationale;
  std::int64_t latency_ms = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::string error;  // empty for a decision
};

// An event as the pipeline works on it.
struct event_row {
  std::string event_id;
  std::string owner;
  std::string symbol;
  std::string side;
  std::optional<double> price;
  std::string strategy;
  std::string profile;
  std::vector<std::string> models;
  std::string status;
  std::string next_stage;
  int attempts = 0;
  // What this node's earlier stages produced for the event, carried in
  // memory to the next stage; empty after a claim (read from the database).
  std::optional<enrichment_row> enrichment;
  std::vector<decision_row> decisions;  // decisions only, not failures
};

void register_statements(pg_pool& pool);

// ---- ingest ----
// One statement for the whole batch (one array per column): the events
// (received; the first `leased` of them leased to the ingesting node for
// lease_ms, the rest left to the claim) and their `ingest` timeline rows.
// Rows: event_id, received_ts (RFC 3339 with milliseconds).
pg_statement insert_batch(const std::vector<new_event>& events, std::int64_t lease_ms, std::size_t leased);
struct receipt {
  std::string event_id;
  std::string received_ts;
};
std::vector<receipt> to_receipts(const pg_result& r);

// ---- the pipeline ----
// Leases up to `limit` due, unfinished events whose lease ran out (FOR
// UPDATE SKIP LOCKED: concurrent claimers never take the same event).
pg_statement claim(int limit, std::int64_t lease_ms);
std::vector<event_row> to_events(const pg_result& r);
// One row: unfinished events (the queue_depth gauge).
pg_statement queue_depth();
std::int64_t to_count(const pg_result& r);

// A failed attempt that will run again after retry_ms (lease released).
pg_statement fail(const std::string& event_id, const std::string& stage, int attempts, std::int64_t retry_ms,
                  const std::string& reason);
// A failed attempt that used up the attempts: dead, a dlq_entries row.
pg_statement bury(const std::string& event_id, const std::string& stage, int attempts, const std::string& reason);

// Extends the leases of events a pipeline still works on (renewal).
pg_statement renew(const std::vector<std::string>& event_ids, std::int64_t lease_ms);
// Gives up leases: the events are claimed again at the next poll (a driver
// whose queue is full hands fresh events back this way).
pg_statement release(const std::vector<std::string>& event_ids);

// ---- stage writes, batched across events ----
struct enrichment_write {
  std::string event_id;
  std::string profile;
  std::string features_json;
  std::vector<std::string> quality_flags;  // identifiers: no commas
};
struct decision_write {
  std::string event_id;
  decision_row decision;
};
struct advance_write {
  std::string event_id;
  std::string stage;
  std::string status;
  std::string next_stage;
  std::string detail;
};
// What stages of several events wrote; committed together by write_batch().
// A decision replaces the event's row of the same evaluator.
struct stage_writes {
  std::vector<enrichment_write> enrichments;
  std::vector<decision_write> decisions;
  std::vector<advance_write> advances;
  void absorb(stage_writes&& other);
  bool empty() const { return enrichments.empty() && decisions.empty() && advances.empty(); }
};
// The steps of one transaction storing `w`. Its commit is asynchronous
// (synchronous_commit off): a PostgreSQL crash may lose the last few hundred
// milliseconds of stage moves, which only runs those stages again; the
// ingest commit, which a 202 promises, stays synchronous. Must run as a
// transaction (its settings are SET LOCAL).
std::vector<pg_statement> write_batch(const stage_writes& w);

// Zero or one row: the 1-minute bars' security id of a ticker.
pg_statement security_of(const std::string& symbol);
std::optional<std::string> to_security_id(const pg_result& r);

pg_statement load_enrichment(const std::string& event_id);  // zero or one row
std::optional<enrichment_row> to_enrichment(const pg_result& r);

pg_statement load_decisions(const std::string& event_id);  // decisions only, not failures
std::vector<decision_row> to_decisions(const pg_result& r);

// ---- the API ----
// Zero or one row: owner, the event's document (API.md GET /signals/{id}) as JSON text.
pg_statement document(const std::string& event_id);
struct document_row {
  std::string owner;
  std::string json;
};
std::optional<document_row> to_document(const pg_result& r);
// Two steps: the count and the page (a JSON array), newest first; "" filters nothing.
std::vector<pg_statement> list(const std::string& owner, const std::string& symbol, const std::string& status,
                               int limit, std::int64_t offset);
struct page_row {
  std::int64_t total = 0;
  std::string items_json;
};
page_row to_page(const std::vector<pg_result>& results);

}  // namespace delta::storage::signals
