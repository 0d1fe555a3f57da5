#pragma once
// Effective configuration of a deltad node. Sources, later wins:
//   defaults in code -> TOML file (--config) -> DELTA_<SECTION>__<KEY> env -> flags.
// Every key is validated; a bad value stops start-up naming key, value,
// source and what is allowed (config_error, exit code 2).

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace delta::config {

struct http_settings {
  std::string host = "127.0.0.1";                // listen address
  int port = 8080;                               // listen port (0: any free port)
  int threads = 1;                               // asio threads for the HTTP edge
  std::int64_t body_limit_bytes = 1 << 20;       // larger bodies get 413
  std::int64_t header_limit_bytes = 16 * 1024;   // larger header blocks get 431
  int idle_timeout_seconds = 60;                 // keep-alive connection idle limit
  int header_timeout_seconds = 10;               // time to receive a full request head
  int shutdown_timeout_seconds = 10;             // how long SIGTERM waits for in-flight requests
  std::vector<std::string> cors_allowed_origins; // exact origins; empty = no CORS
};

struct database_settings {
  std::string url = "postgresql://postgres@127.0.0.1:55433/delta";  // libpq URI (secret)
  int pool_size = 4;                     // connections per node
  int connect_timeout_seconds = 2;       // per connection attempt
  int query_timeout_ms = 5000;           // statement_timeout on every connection
  int reconnect_max_backoff_ms = 2000;   // cap of the exponential reconnect backoff
  std::string migrations_dir;            // default: the checkout's migrations/
  bool migrate_on_start = true;          // `deltad serve` applies pending migrations
};

struct runtime_settings {
  int scheduler_threads = 1;  // CAF worker threads (1 measured best on 2 cores)
};

struct log_settings {
  std::string level = "info";  // trace|debug|info|warn|error|off
  std::string format = "json"; // one JSON object per line (the only format)
  bool access = true;          // one line per HTTP request
};

struct market_settings {
  int cache_ttl_seconds = 30;        // how long the market actor trusts a cached security
  int cache_max_entries = 100000;    // bound on cached securities
};

struct auth_settings {
  int session_ttl_hours = 24;  // lifetime of a login session
  int hasher_threads = 2;      // detached threads for argon2id (never the scheduler)
};

struct ratelimit_settings {
  int ip_per_minute = 60;      // anonymous callers, per IP address
  int ip_burst = 120;
  int user_per_minute = 600;   // session users, per user
  int user_burst = 1200;
  // Extra limits per endpoint group, per principal: "name=per_minute/burst,..."
  // e.g. "explain=10/20". API keys get their tier's exact hourly quota.
  std::string groups = "explain=10/20,signals.submit=120/240";
};

struct llm_settings {
  int call_deadline_seconds = 60;          // a whole gateway call: retries and fallbacks included
  int max_attempts = 3;                    // attempts per endpoint (1 = no retry)
  int retry_base_ms = 250;                 // first backoff ceiling (full jitter)
  int retry_cap_ms = 8000;                 // no backoff wait is longer
  int breaker_failure_threshold = 5;       // consecutive failures that open a breaker
  int breaker_cooldown_seconds = 60;       // open -> half-open
  int max_concurrency_per_endpoint = 128;  // calls in flight per provider endpoint
  int reload_interval_ms = 1000;           // routing-table change poll
  int calls_retention_days = 30;           // llm_calls partitions kept
  int client_threads = 1;                  // I/O threads of the provider HTTP client
  std::string ca_file;                     // PEM trust anchors for https; empty: system store
  // 64 hex digits (32 bytes) sealing provider keys given to the admin API;
  // empty: literal keys are refused (api_key_env references still work).
  std::string key_encryption_key;
};

// Durable background jobs (issue 5).
struct jobs_settings {
  int concurrency = 64;           // jobs running at once per node
  int lease_seconds = 30;         // a dead node's jobs are claimed again this long after its last renewal
  int poll_interval_ms = 1000;    // fallback poll for due jobs (LISTEN/NOTIFY wakes the dispatcher at once)
  int shutdown_timeout_seconds = 10;  // SIGTERM lets running jobs finish this long, then releases their leases
  // Periodic jobs, "kind=schedule;...": 5-field cron in UTC (*, n, a-b, */s,
  // lists) or @every <n>s|m|h|d; each tick runs once in the cluster.
  std::string schedules = "refresh_summaries=*/5 * * * *";
};

// The signal pipeline (issue 6).
struct signals_settings {
  bool process = true;           // run the pipeline here; false: an ingest-only node (others process)
  int max_attempts = 5;          // failed attempts of a stage before the event is dead (dead-letter queue)
  int retry_base_ms = 1000;      // backoff: full jitter under min(cap, base * 2^(n-1))
  int retry_cap_ms = 60000;
  int poll_interval_ms = 1000;   // how often the pipeline claims due events (retries, other nodes' expired leases)
  int lease_seconds = 30;        // renewed every third of it; a dead node's events are claimed again once it runs out
  int concurrency = 256;         // events in the pipeline at once per node
  int evaluations_in_flight = 64;  // of those, at the LLM gateway at once (below llm.max_concurrency_per_endpoint)
  int batch_max = 512;           // rows of one group-commit INSERT of POST /api/v2/signals
  int batches_in_flight = 2;     // group commits running at once, ingest and stage writer each (a pool connection each)
};

struct settings {
  http_settings http;
  database_settings database;
  runtime_settings runtime;
  log_settings log;
  market_settings market;
  auth_settings auth;
  ratelimit_settings ratelimit;
  jobs_settings jobs;
  llm_settings llm;
  signals_settings signals;
};

struct group_limit {
  std::string group;
  int per_minute = 0;
  int burst = 0;
};

// Parses ratelimit.groups; nullopt when malformed.
std::optional<std::vector<group_limit>> parse_group_limits(const std::string& text);

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the values come from; each is optional so tests can pass only what they need.
struct sources {
  std::optional<std::string> toml_file;             // path given by --config
  std::map<std::string, std::string> environment;  // e.g. from environ
  std::map<std::string, std::string> flags;        // dotted key -> value (e.g. http.port)
};

settings load(const sources& from);

// Collects DELTA_* variables from the process environment.
std::map<std::string, std::string> process_environment();

// How a key's value is secret, part of its declaration: `config --print`
// (and an error about an invalid value) never shows the secret.
enum class secrecy {
  none,
  url_password,  // a URL whose password is secret (database.url): shown with *** for it
  whole,         // the whole value (keys): shown as *** unless empty
};

// The dotted keys whose values are secret, in declaration order.
std::vector<std::pair<std::string, secrecy>> secret_keys();

// The effective configuration as TOML, secrets replaced by ***.
std::string print_redacted(const settings& s);

// postgresql://user:secret@host/db -> postgresql://user:***@host/db (and password=...).
std::string redact_url(const std::string& url);

}  // namespace delta::config
