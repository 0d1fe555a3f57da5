#include "config/settings.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>
#include <regex>
#include <sstream>

extern char** environ;

namespace delta::config {

namespace {

// One configurable key: how to parse and validate a textual value into the
// settings, and how to print it back.
struct key_spec {
  std::string key;  // dotted: section.name
  std::string allowed;
  std::function<bool(settings&, const std::string&)> assign;  // false: invalid
  std::function<std::string(const settings&)> print;
  secrecy secret = secrecy::none;
};

bool parse_int(const std::string& text, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return false;
  if (v < lo || v > hi) return false;
  out = v;
  return true;
}

template <class Field>
key_spec int_key(std::string key, std::int64_t lo, std::int64_t hi, Field field) {
  return {key,
          "an integer between " + std::to_string(lo) + " and " + std::to_string(hi),
          [=](settings& s, const std::string& text) {
            std::int64_t v = 0;
            if (!parse_int(text, lo, hi, v)) return false;
            s.*field.first.*field.second = static_cast<std::remove_reference_t<decltype(s.*field.first.*field.second)>>(v);
            return true;
          },
          [=](const settings& s) { return std::to_string(s.*field.first.*field.second); }};
}

template <class Section, class T>
auto member(Section settings::*section, T Section::*field) {
  return std::pair{section, field};
}

template <class Field>
key_spec bool_key(std::string key, Field field) {
  return {key, "true or false",
          [=](settings& s, const std::string& text) {
            if (text == "true" || text == "1") s.*field.first.*field.second = true;
            else if (text == "false" || text == "0") s.*field.first.*field.second = false;
            else return false;
            return true;
          },
          [=](const settings& s) { return std::string{s.*field.first.*field.second ? "true" : "false"}; }};
}

template <class Field>
key_spec string_key(std::string key, std::string allowed, Field field,
                    std::function<bool(const std::string&)> valid, secrecy secret = secrecy::none) {
  return {key, std::move(allowed),
          [=](settings& s, const std::string& text) {
            if (!valid(text)) return false;
            s.*field.first.*field.second = text;
            return true;
          },
          [=](const settings& s) { return s.*field.first.*field.second; }, secret};
}

std::vector<std::string> split_list(const std::string& text);

}  // namespace

std::optional<std::vector<group_limit>> parse_group_limits(const std::string& text) {
  static const std::regex item{R"(^([a-z][a-z0-9._]{0,63})=([0-9]{1,7})/([0-9]{1,7})$)"};
  std::vector<group_limit> out;
  for (auto& part : split_list(text)) {
    std::smatch m;
    if (!std::regex_match(part, m, item)) return std::nullopt;
    group_limit g{m[1], std::stoi(m[2]), std::stoi(m[3])};
    if (g.per_minute < 1 || g.burst < 1) return std::nullopt;
    for (auto& seen : out)
      if (seen.group == g.group) return std::nullopt;  // one limit per group
    out.push_back(g);
  }
  return out;
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{text};
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool valid_origin(const std::string& origin) {
  static const std::regex pattern{R"(^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$)"};
  return std::regex_match(origin, pattern);
}

bool valid_schedules(const std::string& text) {
  static const std::regex entry{
      R"(^\s*[a-z][a-z0-9_.]{0,63}\s*=\s*(@every [0-9]{1,6}[smhd]|@hourly|@daily|@weekly|@monthly|)"
      R"([0-9*/,-]+( +[0-9*/,-]+){4})\s*$)"};
  std::istringstream in{text};
  std::string item;
  while (std::getline(in, item, ';'))
    if (item.find_first_not_of(" \t") != std::string::npos && !std::regex_match(item, entry)) return false;
  return true;
}

const std::vector<key_spec>& key_specs() {
  static const std::vector<key_spec> specs = [] {
    std::vector<key_spec> v;
    auto non_empty = [](const std::string& t) { return !t.empty(); };
    v.push_back(string_key("http.host", "an IP address or host name",
                           member(&settings::http, &http_settings::host), non_empty));
    v.push_back(int_key("http.port", 0, 65535, member(&settings::http, &http_settings::port)));
    v.push_back(int_key("http.threads", 1, 64, member(&settings::http, &http_settings::threads)));
    v.push_back(int_key("http.body_limit_bytes", 1024, std::int64_t{1} << 30,
                        member(&settings::http, &http_settings::body_limit_bytes)));
    v.push_back(int_key("http.header_limit_bytes", 1024, 1 << 20,
                        member(&settings::http, &http_settings::header_limit_bytes)));
    v.push_back(int_key("http.idle_timeout_seconds", 1, 3600,
                        member(&settings::http, &http_settings::idle_timeout_seconds)));
    v.push_back(int_key("http.header_timeout_seconds", 1, 300,
                        member(&settings::http, &http_settings::header_timeout_seconds)));
    v.push_back(int_key("http.shutdown_timeout_seconds", 0, 300,
                        member(&settings::http, &http_settings::shutdown_timeout_seconds)));
    v.push_back({"http.cors_allowed_origins",
                 "a comma-separated list of exact origins like https://app.example.com (no *)",
                 [](settings& s, const std::string& text) {
                   auto origins = split_list(text);
                   if (!std::all_of(origins.begin(), origins.end(), valid_origin)) return false;
                   s.http.cors_allowed_origins = origins;
                   return true;
                 },
                 [](const settings& s) {
                   std::string out;
                   for (auto& o : s.http.cors_allowed_origins) out += (out.empty() ? "" : ",") + o;
                   return out;
                 }});
    v.push_back(string_key(
        "database.url", "a libpq URI like postgresql://user@host:port/db",
        member(&settings::database, &database_settings::url),
        [](const std::string& t) {
          return t.rfind("postgresql://", 0) == 0 || t.rfind("postgres://", 0) == 0;
        },
        secrecy::url_password));
    v.push_back(int_key("database.pool_size", 1, 256,
                        member(&settings::database, &database_settings::pool_size)));
    v.push_back(int_key("database.connect_timeout_seconds", 1, 60,
                        member(&settings::database, &database_settings::connect_timeout_seconds)));
    v.push_back(int_key("database.query_timeout_ms", 100, 600000,
                        member(&settings::database, &database_settings::query_timeout_ms)));
    v.push_back(int_key("database.reconnect_max_backoff_ms", 100, 60000,
                        member(&settings::database, &database_settings::reconnect_max_backoff_ms)));
    v.push_back(string_key("database.migrations_dir", "a directory of NNNN_name.sql files",
                           member(&settings::database, &database_settings::migrations_dir),
                           non_empty));
    v.push_back(bool_key("database.migrate_on_start",
                         member(&settings::database, &database_settings::migrate_on_start)));
    v.push_back(int_key("runtime.scheduler_threads", 1, 64,
                        member(&settings::runtime, &runtime_settings::scheduler_threads)));
    v.push_back(string_key("log.level", "one of trace, debug, info, warn, error, off",
                           member(&settings::log, &log_settings::level),
                           [](const std::string& t) {
                             return t == "trace" || t == "debug" || t == "info" || t == "warn" ||
                                    t == "error" || t == "off";
                           }));
    v.push_back(string_key("log.format", "json", member(&settings::log, &log_settings::format),
                           [](const std::string& t) { return t == "json"; }));
    v.push_back(bool_key("log.access", member(&settings::log, &log_settings::access)));
    v.push_back(int_key("market.cache_ttl_seconds", 0, 3600,
                        member(&settings::market, &market_settings::cache_ttl_seconds)));
    v.push_back(int_key("market.cache_max_entries", 0, 10000000,
                        member(&settings::market, &market_settings::cache_max_entries)));
    v.push_back(int_key("auth.session_ttl_hours", 1, 24 * 365,
                        member(&settings::auth, &auth_settings::session_ttl_hours)));
    v.push_back(int_key("auth.hasher_threads", 1, 16,
                        member(&settings::auth, &auth_settings::hasher_threads)));
    v.push_back(int_key("ratelimit.ip_per_minute", 1, 1000000,
                        member(&settings::ratelimit, &ratelimit_settings::ip_per_minute)));
    v.push_back(int_key("ratelimit.ip_burst", 1, 1000000,
                        member(&settings::ratelimit, &ratelimit_settings::ip_burst)));
    v.push_back(int_key("ratelimit.user_per_minute", 1, 1000000,
                        member(&settings::ratelimit, &ratelimit_settings::user_per_minute)));
    v.push_back(int_key("ratelimit.user_burst", 1, 1000000,
                        member(&settings::ratelimit, &ratelimit_settings::user_burst)));
    v.push_back(string_key("ratelimit.groups",
                           "a comma-separated list of group=per_minute/burst, e.g. explain=10/20",
                           member(&settings::ratelimit, &ratelimit_settings::groups),
                           [](const std::string& t) { return parse_group_limits(t).has_value(); }));
    // The explain route's edge deadline is 65 s: a call must end before it.
    v.push_back(int_key("llm.call_deadline_seconds", 1, 60,
                        member(&settings::llm, &llm_settings::call_deadline_seconds)));
    v.push_back(int_key("llm.max_attempts", 1, 10, member(&settings::llm, &llm_settings::max_attempts)));
    v.push_back(int_key("llm.retry_base_ms", 1, 60000, member(&settings::llm, &llm_settings::retry_base_ms)));
    v.push_back(int_key("llm.retry_cap_ms", 1, 600000, member(&settings::llm, &llm_settings::retry_cap_ms)));
    v.push_back(int_key("llm.breaker_failure_threshold", 1, 1000,
                        member(&settings::llm, &llm_settings::breaker_failure_threshold)));
    v.push_back(int_key("llm.breaker_cooldown_seconds", 1, 3600,
                        member(&settings::llm, &llm_settings::breaker_cooldown_seconds)));
    v.push_back(int_key("llm.max_concurrency_per_endpoint", 1, 100000,
                        member(&settings::llm, &llm_settings::max_concurrency_per_endpoint)));
    v.push_back(int_key("llm.reload_interval_ms", 100, 5000,
                        member(&settings::llm, &llm_settings::reload_interval_ms)));
    v.push_back(int_key("llm.calls_retention_days", 1, 3650,
                        member(&settings::llm, &llm_settings::calls_retention_days)));
    v.push_back(int_key("llm.client_threads", 1, 16, member(&settings::llm, &llm_settings::client_threads)));
    v.push_back(string_key("llm.ca_file", "a PEM file of trusted CA certificates (empty: the system store)",
                           member(&settings::llm, &llm_settings::ca_file),
                           [](const std::string&) { return true; }));
    v.push_back(string_key("llm.key_encryption_key", "empty, or 64 hex digits (e.g. openssl rand -hex 32)",
                           member(&settings::llm, &llm_settings::key_encryption_key),
                           [](const std::string& t) {
                             return t.empty() || (t.size() == 64 && std::all_of(t.begin(), t.end(), [](unsigned char c) {
                                                    return std::isxdigit(c) != 0;
                                                  }));
                           },
                           secrecy::whole));
    v.push_back(int_key("jobs.concurrency", 1, 4096, member(&settings::jobs, &jobs_settings::concurrency)));
    v.push_back(int_key("jobs.lease_seconds", 2, 3600, member(&settings::jobs, &jobs_settings::lease_seconds)));
    v.push_back(int_key("jobs.poll_interval_ms", 10, 60000,
                        member(&settings::jobs, &jobs_settings::poll_interval_ms)));
    v.push_back(int_key("jobs.shutdown_timeout_seconds", 0, 3600,
                        member(&settings::jobs, &jobs_settings::shutdown_timeout_seconds)));
    // Syntax only here (config depends on nothing of ours); the jobs
    // supervisor checks ranges and that each kind has a handler at start.
    v.push_back(string_key("jobs.schedules",
                           "kind=schedule entries separated by ';', schedule a 5-field cron line or "
                           "@every <n>s|m|h|d, e.g. refresh_summaries=*/5 * * * *",
                           member(&settings::jobs, &jobs_settings::schedules), valid_schedules));
    v.push_back(bool_key("signals.process", member(&settings::signals, &signals_settings::process)));
    v.push_back(int_key("signals.max_attempts", 1, 100, member(&settings::signals, &signals_settings::max_attempts)));
    v.push_back(int_key("signals.retry_base_ms", 1, 3600000,
                        member(&settings::signals, &signals_settings::retry_base_ms)));
    v.push_back(int_key("signals.retry_cap_ms", 1, 86400000,
                        member(&settings::signals, &signals_settings::retry_cap_ms)));
    v.push_back(int_key("signals.poll_interval_ms", 10, 60000,
                        member(&settings::signals, &signals_settings::poll_interval_ms)));
    v.push_back(int_key("signals.lease_seconds", 2, 3600, member(&settings::signals, &signals_settings::lease_seconds)));
    v.push_back(int_key("signals.concurrency", 1, 65536, member(&settings::signals, &signals_settings::concurrency)));
    v.push_back(int_key("signals.evaluations_in_flight", 1, 65536,
                        member(&settings::signals, &signals_settings::evaluations_in_flight)));
    v.push_back(int_key("signals.batch_max", 1, 10000, member(&settings::signals, &signals_settings::batch_max)));
    v.push_back(int_key("signals.batches_in_flight", 1, 64,
                        member(&settings::signals, &signals_settings::batches_in_flight)));
    return v;
  }();
  return specs;
}

const key_spec* find_spec(const std::string& key) {
  for (auto& spec : key_specs())
    if (spec.key == key) return &spec;
  return nullptr;
}

void apply(settings& s, const std::string& key, const std::string& value,
           const std::string& origin) {
  auto* spec = find_spec(key);
  if (!spec) throw config_error{"config: unknown key '" + key + "' (from " + origin + ")"};
  if (!spec->assign(s, value)) {
    auto shown = spec->secret != secrecy::none ? std::string{"***"} : value;
    throw config_error{"config: invalid value for '" + key + "': '" + shown + "' (from " +
                       origin + "); allowed: " + spec->allowed};
  }
}

std::string toml_value_text(const toml::node& node) {
  if (auto* s = node.as_string()) return s->get();
  if (auto* i = node.as_integer()) return std::to_string(i->get());
  if (auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (auto* f = node.as_floating_point()) return std::to_string(f->get());
  if (auto* a = node.as_array()) {
    std::string out;
    for (auto& item : *a) out += (out.empty() ? "" : ",") + toml_value_text(item);
    return out;
  }
  return "<unsupported value>";
}

void apply_toml(settings& s, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config: cannot parse " << path << ": " << e.description() << " at line "
        << e.source().begin.line;
    throw config_error{msg.str()};
  }
  for (auto& [section, node] : table) {
    auto* inner = node.as_table();
    if (!inner)
      throw config_error{"config: '" + std::string{section.str()} + "' in " + path +
                         " must be a table like [" + std::string{section.str()} + "]"};
    for (auto& [name, value] : *inner)
      apply(s, std::string{section.str()} + "." + std::string{name.str()},
            toml_value_text(value), path);
  }
}

// DELTA_HTTP__PORT -> http.port; variables without "__" are not config keys.
std::optional<std::string> env_to_key(const std::string& name) {
  if (name.rfind("DELTA_", 0) != 0) return std::nullopt;
  auto rest = name.substr(6);
  auto sep = rest.find("__");
  if (sep == std::string::npos) return std::nullopt;
  auto key = rest.substr(0, sep) + "." + rest.substr(sep + 2);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

// The checkout's migrations/ for a deltad built in it; an installed deltad
// (<prefix>/bin/deltad, e.g. the Debian package's /usr/bin/deltad) uses
// <prefix>/share/delta/migrations, which the checkout's build tree never has.
std::string default_migrations_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = (exe.parent_path().parent_path() / DELTA_INSTALL_MIGRATIONS_DIR).lexically_normal();
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return DELTA_DEFAULT_MIGRATIONS_DIR;
}

}  // namespace

settings load(const sources& from) {
  settings s;
  s.database.migrations_dir = default_migrations_dir();
  if (from.toml_file) apply_toml(s, *from.toml_file);
  for (auto& [name, value] : from.environment)
    if (auto key = env_to_key(name)) apply(s, *key, value, name);
  for (auto& [key, value] : from.flags) apply(s, key, value, "flag --" + key);
  return s;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("DELTA_", 0) != 0) continue;
    out[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return out;
}

std::string redact_url(const std::string& url) {
  static const std::regex uri_password{R"(^([a-z]+://[^:/@]*):[^@]*@)"};
  static const std::regex kv_password{R"(password\s*=\s*('(?:[^'\\]|\\.)*'|[^ &]*))"};
  auto out = std::regex_replace(url, uri_password, "$1:***@");
  return std::regex_replace(out, kv_password, "password=***");
}

namespace {

std::string shown_value(const key_spec& spec, const settings& s) {
  auto value = spec.print(s);
  switch (spec.secret) {
    case secrecy::none: return value;
    case secrecy::url_password: return redact_url(value);
    case secrecy::whole: return value.empty() ? value : "***";
  }
  return "***";
}

}  // namespace

std::vector<std::pair<std::string, secrecy>> secret_keys() {
  std::vector<std::pair<std::string, secrecy>> out;
  for (auto& spec : key_specs())
    if (spec.secret != secrecy::none) out.emplace_back(spec.key, spec.secret);
  return out;
}

std::string print_redacted(const settings& s) {
  std::string out;
  std::string section;
  for (auto& spec : key_specs()) {
    auto dot = spec.key.find('.');
    auto sec = spec.key.substr(0, dot);
    if (sec != section) {
      out += (section.empty() ? "" : "\n") + std::string{"["} + sec + "]\n";
      section = sec;
    }
    auto value = shown_value(spec, s);
    bool quoted = find_spec(spec.key)->allowed.find("integer") == std::string::npos &&
                  spec.allowed != "true or false";
    out += spec.key.substr(dot + 1) + " = " + (quoted ? "\"" + value + "\"" : value) + "\n";
  }
  return out;
}

}  // namespace delta::config
