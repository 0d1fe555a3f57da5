// config/settings.hpp: defaults, TOML file -> DELTA_* env -> flags, validation
// messages that name key, value and what is allowed, and redaction of secrets.
#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace cfg = delta::config;

namespace {

// A TOML file in the temp directory, removed at the end of the test.
class temp_toml {
 public:
  explicit temp_toml(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("delta-settings-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++) + ".toml");
    std::ofstream out{path_};
    out << content;
  }
  ~temp_toml() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// The message of the config_error that loading `from` throws ("" when none).
std::string load_error(const cfg::sources& from) {
  try {
    cfg::load(from);
  } catch (const cfg::config_error& e) {
    return e.what();
  }
  return {};
}

cfg::sources with_flag(const std::string& key, const std::string& value) {
  cfg::sources s;
  s.flags[key] = value;
  return s;
}

}  // namespace

TEST(Settings, HasTheDocumentedDefaults) {
  auto s = cfg::load({});
  EXPECT_EQ(s.http.host, "127.0.0.1");
  EXPECT_EQ(s.http.port, 8080);
  EXPECT_EQ(s.http.threads, 1);
  EXPECT_EQ(s.http.body_limit_bytes, 1 << 20);
  EXPECT_EQ(s.http.header_limit_bytes, 16 * 1024);
  EXPECT_EQ(s.http.idle_timeout_seconds, 60);
  EXPECT_EQ(s.http.header_timeout_seconds, 10);
  EXPECT_EQ(s.http.shutdown_timeout_seconds, 10);
  EXPECT_TRUE(s.http.cors_allowed_origins.empty());
  EXPECT_EQ(s.database.pool_size, 4);
  EXPECT_EQ(s.database.connect_timeout_seconds, 2);
  EXPECT_EQ(s.database.query_timeout_ms, 5000);
  EXPECT_EQ(s.database.reconnect_max_backoff_ms, 2000);
  EXPECT_TRUE(s.database.migrate_on_start);
  EXPECT_EQ(std::filesystem::path{s.database.migrations_dir}.filename(), "migrations");
  EXPECT_EQ(s.runtime.scheduler_threads, 1);
  EXPECT_EQ(s.log.level, "info");
  EXPECT_EQ(s.log.format, "json");
  EXPECT_TRUE(s.log.access);
  EXPECT_EQ(s.market.cache_ttl_seconds, 30);
  EXPECT_EQ(s.market.cache_max_entries, 100000);
}

TEST(Settings, TomlFileOverridesTheDefaults) {
  temp_toml file{R"([http]
port = 9000
cors_allowed_origins = ["https://app.example.com", "http://localhost:3000"]
[database]
pool_size = 8
migrate_on_start = false
[log]
level = "debug"
access = false
)"};
  cfg::sources src;
  src.toml_file = file.path();
  auto s = cfg::load(src);
  EXPECT_EQ(s.http.port, 9000);
  EXPECT_EQ(s.http.cors_allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  EXPECT_EQ(s.database.pool_size, 8);
  EXPECT_FALSE(s.database.migrate_on_start);
  EXPECT_EQ(s.log.level, "debug");
  EXPECT_FALSE(s.log.access);
  EXPECT_EQ(s.http.threads, 1);  // untouched keys keep their defaults
}

TEST(Settings, EnvironmentOverridesTheTomlFile) {
  temp_toml file{"[http]\nport = 9000\nthreads = 2\n"};
  cfg::sources src;
  src.toml_file = file.path();
  src.environment["DELTA_HTTP__PORT"] = "9100";
  auto s = cfg::load(src);
  EXPECT_EQ(s.http.port, 9100);
  EXPECT_EQ(s.http.threads, 2);
}

TEST(Settings, FlagsOverrideTheEnvironmentAndTheTomlFile) {
  temp_toml file{"[http]\nport = 9000\n"};
  cfg::sources src;
  src.toml_file = file.path();
  src.environment["DELTA_HTTP__PORT"] = "9100";
  src.flags["http.port"] = "9200";
  EXPECT_EQ(cfg::load(src).http.port, 9200);
}

TEST(Settings, MapsEnvironmentNamesToDottedKeys) {
  cfg::sources src;
  src.environment["DELTA_DATABASE__POOL_SIZE"] = "16";
  src.environment["DELTA_LOG__LEVEL"] = "warn";
  src.environment["DELTA_HTTP__CORS_ALLOWED_ORIGINS"] = "https://a.example.com, https://b.example.com";
  auto s = cfg::load(src);
  EXPECT_EQ(s.database.pool_size, 16);
  EXPECT_EQ(s.log.level, "warn");
  EXPECT_EQ(s.http.cors_allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "https://b.example.com"}));
}

TEST(Settings, IgnoresEnvironmentVariablesWithoutADoubleUnderscore) {
  cfg::sources src;
  src.environment["DELTA_TEST_PG_PORT"] = "55480";
  src.environment["DELTA_TEST_DATABASE_URL"] = "not a url";
  src.environment["DELTAD"] = "/usr/bin/deltad";
  src.environment["HOME"] = "/root";
  cfg::settings s;
  ASSERT_NO_THROW(s = cfg::load(src));
  EXPECT_EQ(s.http.port, 8080);
  EXPECT_EQ(s.database.url, cfg::settings{}.database.url);
}

TEST(Settings, RejectsAPortOutOfRangeNamingKeyValueAndAllowedRange) {
  auto msg = load_error(with_flag("http.port", "70000"));
  EXPECT_NE(msg.find("http.port"), std::string::npos) << msg;
  EXPECT_NE(msg.find("70000"), std::string::npos) << msg;
  EXPECT_NE(msg.find("between 0 and 65535"), std::string::npos) << msg;
}

TEST(Settings, NamesTheEnvironmentVariableThatHeldTheInvalidValue) {
  cfg::sources src;
  src.environment["DELTA_HTTP__PORT"] = "70000";
  auto msg = load_error(src);
  EXPECT_NE(msg.find("http.port"), std::string::npos) << msg;
  EXPECT_NE(msg.find("DELTA_HTTP__PORT"), std::string::npos) << msg;
}

TEST(Settings, NamesTheTomlFileThatHeldTheInvalidValue) {
  temp_toml file{"[http]\nport = 70000\n"};
  cfg::sources src;
  src.toml_file = file.path();
  auto msg = load_error(src);
  EXPECT_NE(msg.find("http.port"), std::string::npos) << msg;
  EXPECT_NE(msg.find(file.path()), std::string::npos) << msg;
}

TEST(Settings, RejectsNonIntegerPorts) {
  for (auto bad : {"80a", "", " 80", "8.0", "0x50", "-1"}) {
    auto msg = load_error(with_flag("http.port", bad));
    EXPECT_NE(msg.find("http.port"), std::string::npos) << "value '" << bad << "': " << msg;
  }
}

TEST(Settings, AcceptsThePortRangeBounds) {
  EXPECT_EQ(cfg::load(with_flag("http.port", "0")).http.port, 0);
  EXPECT_EQ(cfg::load(with_flag("http.port", "65535")).http.port, 65535);
}

TEST(Settings, RejectsAPoolSizeOfZero) {
  auto msg = load_error(with_flag("database.pool_size", "0"));
  EXPECT_NE(msg.find("database.pool_size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'0'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("between 1 and 256"), std::string::npos) << msg;
}

TEST(Settings, RejectsAnUnknownLogLevelListingTheLevels) {
  auto msg = load_error(with_flag("log.level", "loud"));
  EXPECT_NE(msg.find("log.level"), std::string::npos) << msg;
  EXPECT_NE(msg.find("loud"), std::string::npos) << msg;
  EXPECT_NE(msg.find("trace, debug, info, warn, error, off"), std::string::npos) << msg;
}

TEST(Settings, RejectsAWildcardCorsOrigin) {
  for (auto bad : {"*", "https://app.example.com,*", "app.example.com", "https://*.example.com"}) {
    auto msg = load_error(with_flag("http.cors_allowed_origins", bad));
    EXPECT_NE(msg.find("http.cors_allowed_origins"), std::string::npos) << bad << ": " << msg;
    EXPECT_NE(msg.find(bad), std::string::npos) << bad << ": " << msg;
    EXPECT_NE(msg.find("exact origins"), std::string::npos) << bad << ": " << msg;
  }
}

TEST(Settings, RejectsBooleansThatAreNotTrueOrFalse) {
  auto msg = load_error(with_flag("log.access", "yes"));
  EXPECT_NE(msg.find("log.access"), std::string::npos) << msg;
  EXPECT_NE(msg.find("true or false"), std::string::npos) << msg;
}

TEST(Settings, RejectsUnknownKeysFromEverySource) {
  auto from_flag = load_error(with_flag("http.prot", "1"));
  EXPECT_NE(from_flag.find("unknown key"), std::string::npos) << from_flag;
  EXPECT_NE(from_flag.find("http.prot"), std::string::npos) << from_flag;

  cfg::sources env;
  env.environment["DELTA_HTTP__PROT"] = "1";
  auto from_env = load_error(env);
  EXPECT_NE(from_env.find("http.prot"), std::string::npos) << from_env;

  temp_toml file{"[nosuchsection]\nkey = 1\n"};
  cfg::sources toml;
  toml.toml_file = file.path();
  auto from_toml = load_error(toml);
  EXPECT_NE(from_toml.find("nosuchsection.key"), std::string::npos) << from_toml;
}

TEST(Settings, RejectsTomlKeysOutsideASection) {
  temp_toml file{"port = 8080\n"};
  cfg::sources src;
  src.toml_file = file.path();
  auto msg = load_error(src);
  EXPECT_NE(msg.find("port"), std::string::npos) << msg;
}

TEST(Settings, ReportsTomlSyntaxErrorsWithTheLine) {
  temp_toml file{"[http]\nport = 8080\nhost = \n"};
  cfg::sources src;
  src.toml_file = file.path();
  auto msg = load_error(src);
  EXPECT_NE(msg.find(file.path()), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
}

TEST(Settings, InvalidDatabaseUrlErrorDoesNotEchoTheSecret) {
  auto msg = load_error(with_flag("database.url", "mysql://delta:hunter2@db/delta"));
  EXPECT_NE(msg.find("database.url"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
}

TEST(Settings, PrintRedactedNeverContainsTheDatabasePassword) {
  auto s = cfg::load(
      with_flag("database.url", "postgresql://delta:s3cr3t-pw@db.example.com:5432/delta"));
  auto out = cfg::print_redacted(s);
  EXPECT_EQ(out.find("s3cr3t-pw"), std::string::npos) << out;
  EXPECT_NE(out.find("postgresql://delta:***@db.example.com:5432/delta"), std::string::npos)
      << out;
  EXPECT_NE(out.find("[http]"), std::string::npos) << out;
  EXPECT_NE(out.find("port = 8080"), std::string::npos) << out;
}

TEST(Settings, PrintRedactedHidesAPasswordGivenAsAUriParameter) {
  auto s = cfg::load(
      with_flag("database.url", "postgresql://delta@db:5432/delta?password=s3cr3t&sslmode=require"));
  auto out = cfg::print_redacted(s);
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos) << out;
  EXPECT_NE(out.find("sslmode=require"), std::string::npos) << out;
}

TEST(Settings, PrintRedactedOutputLoadsBackToTheSameSettings) {
  cfg::sources src;
  src.flags["http.port"] = "9001";
  src.flags["http.cors_allowed_origins"] = "https://a.example.com,https://b.example.com";
  src.flags["log.level"] = "error";
  src.flags["log.access"] = "false";
  src.flags["database.url"] = "postgresql://delta@db:5432/delta";
  auto original = cfg::load(src);
  temp_toml file{cfg::print_redacted(original)};
  cfg::sources again;
  again.toml_file = file.path();
  auto reloaded = cfg::load(again);
  EXPECT_EQ(reloaded.http.port, 9001);
  EXPECT_EQ(reloaded.http.cors_allowed_origins, original.http.cors_allowed_origins);
  EXPECT_EQ(reloaded.log.level, "error");
  EXPECT_FALSE(reloaded.log.access);
  EXPECT_EQ(reloaded.database.url, original.database.url);
  EXPECT_EQ(reloaded.database.migrations_dir, original.database.migrations_dir);
}

TEST(RedactUrl, HidesThePasswordOfAUri) {
  EXPECT_EQ(cfg::redact_url("postgresql://user:secret@host:5432/db"),
            "postgresql://user:***@host:5432/db");
  EXPECT_EQ(cfg::redact_url("postgres://user:p%40ss/w0rd@host/db"), "postgres://user:***@host/db");
}

TEST(RedactUrl, LeavesAUriWithoutPasswordUnchanged) {
  EXPECT_EQ(cfg::redact_url("postgresql://postgres@127.0.0.1:55433/delta"),
            "postgresql://postgres@127.0.0.1:55433/delta");
  EXPECT_EQ(cfg::redact_url("postgresql://127.0.0.1:55433/delta"),
            "postgresql://127.0.0.1:55433/delta");
}

TEST(RedactUrl, HidesThePasswordOfTheKeyValueForm) {
  EXPECT_EQ(cfg::redact_url("host=db port=5432 password=s3cret dbname=delta"),
            "host=db port=5432 password=*** dbname=delta");
}

TEST(RedactUrl, HidesAQuotedKeyValuePasswordWithSpaces) {
  // libpq's key=value form allows single-quoted values containing spaces.
  auto out = cfg::redact_url("host=db password='correct horse battery' dbname=delta");
  EXPECT_EQ(out.find("horse"), std::string::npos) << out;
  EXPECT_EQ(out.find("battery"), std::string::npos) << out;
  EXPECT_NE(out.find("dbname=delta"), std::string::npos) << out;
}

// ---- auth.* and ratelimit.* ----

TEST(Settings, HasTheDocumentedAuthAndRateLimitDefaults) {
  auto s = cfg::load({});
  EXPECT_EQ(s.auth.session_ttl_hours, 24);
  EXPECT_EQ(s.auth.hasher_threads, 2);
  EXPECT_EQ(s.ratelimit.ip_per_minute, 60);
  EXPECT_EQ(s.ratelimit.ip_burst, 120);
  EXPECT_EQ(s.ratelimit.user_per_minute, 600);
  EXPECT_EQ(s.ratelimit.user_burst, 1200);
  EXPECT_EQ(s.ratelimit.groups, "explain=10/20,signals.submit=120/240");
  EXPECT_TRUE(cfg::parse_group_limits(s.ratelimit.groups));
}

TEST(Settings, MapsAuthAndRateLimitEnvironmentNames) {
  cfg::sources src;
  src.environment["DELTA_AUTH__SESSION_TTL_HOURS"] = "48";
  src.environment["DELTA_AUTH__HASHER_THREADS"] = "4";
  src.environment["DELTA_RATELIMIT__IP_PER_MINUTE"] = "30";
  src.environment["DELTA_RATELIMIT__IP_BURST"] = "45";
  src.environment["DELTA_RATELIMIT__USER_PER_MINUTE"] = "300";
  src.environment["DELTA_RATELIMIT__USER_BURST"] = "301";
  src.environment["DELTA_RATELIMIT__GROUPS"] = "explain=1/2";
  auto s = cfg::load(src);
  EXPECT_EQ(s.auth.session_ttl_hours, 48);
  EXPECT_EQ(s.auth.hasher_threads, 4);
  EXPECT_EQ(s.ratelimit.ip_per_minute, 30);
  EXPECT_EQ(s.ratelimit.ip_burst, 45);
  EXPECT_EQ(s.ratelimit.user_per_minute, 300);
  EXPECT_EQ(s.ratelimit.user_burst, 301);
  EXPECT_EQ(s.ratelimit.groups, "explain=1/2");
}

TEST(Settings, ReadsAuthAndRateLimitSectionsFromToml) {
  temp_toml file{R"([auth]
session_ttl_hours = 12
[ratelimit]
ip_per_minute = 10
groups = ["explain=5/10", "signals.submit=60/120"]
)"};
  cfg::sources src;
  src.toml_file = file.path();
  auto s = cfg::load(src);
  EXPECT_EQ(s.auth.session_ttl_hours, 12);
  EXPECT_EQ(s.ratelimit.ip_per_minute, 10);
  auto groups = cfg::parse_group_limits(s.ratelimit.groups);
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[1].group, "signals.submit");
}

TEST(Settings, AcceptsTheBoundsOfAuthAndRateLimitKeysAndRejectsBeyondThem) {
  struct bounds {
    const char* key;
    const char* lowest;
    const char* below;
    const char* highest;
    const char* above;
  };
  const bounds keys[] = {
      {"auth.session_ttl_hours", "1", "0", "8760", "8761"},
      {"auth.hasher_threads", "1", "0", "16", "17"},
      {"ratelimit.ip_per_minute", "1", "0", "1000000", "1000001"},
      {"ratelimit.ip_burst", "1", "0", "1000000", "1000001"},
      {"ratelimit.user_per_minute", "1", "0", "1000000", "1000001"},
      {"ratelimit.user_burst", "1", "0", "1000000", "1000001"},
  };
  for (auto& k : keys) {
    EXPECT_EQ(load_error(with_flag(k.key, k.lowest)), "") << k.key;
    EXPECT_EQ(load_error(with_flag(k.key, k.highest)), "") << k.key;
    for (auto bad : {k.below, k.above, "-1", "ten", ""}) {
      auto err = load_error(with_flag(k.key, bad));
      EXPECT_NE(err.find(k.key), std::string::npos) << k.key << "=" << bad << ": " << err;
      EXPECT_NE(err.find("an integer between"), std::string::npos) << err;
    }
  }
}

TEST(Settings, RejectsMalformedRateLimitGroupsNamingTheKey) {
  auto err = load_error(with_flag("ratelimit.groups", "explain=10"));
  EXPECT_NE(err.find("ratelimit.groups"), std::string::npos) << err;
  EXPECT_NE(err.find("explain=10"), std::string::npos) << err;
  EXPECT_NE(err.find("group=per_minute/burst"), std::string::npos) << err;
  cfg::sources env;
  env.environment["DELTA_RATELIMIT__GROUPS"] = "explain=0/5";
  err = load_error(env);
  EXPECT_NE(err.find("DELTA_RATELIMIT__GROUPS"), std::string::npos) << err;
}

TEST(Settings, PrintRedactedRoundTripsAuthAndRateLimitKeys) {
  cfg::sources src;
  src.flags["auth.session_ttl_hours"] = "72";
  src.flags["ratelimit.user_burst"] = "77";
  src.flags["ratelimit.groups"] = "explain=3/4,backtest=1/1";
  auto original = cfg::load(src);
  temp_toml file{cfg::print_redacted(original)};
  cfg::sources again;
  again.toml_file = file.path();
  auto reloaded = cfg::load(again);
  EXPECT_EQ(reloaded.auth.session_ttl_hours, 72);
  EXPECT_EQ(reloaded.ratelimit.user_burst, 77);
  EXPECT_EQ(reloaded.ratelimit.groups, "explain=3/4,backtest=1/1");
}

TEST(ParseGroupLimits, ReadsACommaSeparatedListOfGroups) {
  auto groups = cfg::parse_group_limits("explain=10/20, signals.submit=120/240 ,market_read2=1/9999999");
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ((*groups)[0].group, "explain");
  EXPECT_EQ((*groups)[0].per_minute, 10);
  EXPECT_EQ((*groups)[0].burst, 20);
  EXPECT_EQ((*groups)[1].group, "signals.submit");
  EXPECT_EQ((*groups)[1].per_minute, 120);
  EXPECT_EQ((*groups)[1].burst, 240);
  EXPECT_EQ((*groups)[2].group, "market_read2");
  EXPECT_EQ((*groups)[2].burst, 9999999);
}

TEST(ParseGroupLimits, AcceptsAnEmptyListAsNoGroups) {
  auto groups = cfg::parse_group_limits("");
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->empty());
  groups = cfg::parse_group_limits(" , ");
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->empty());
}

TEST(ParseGroupLimits, RejectsMalformedItems) {
  for (std::string bad : std::vector<std::string>{"explain", "explain=10", "explain=10/", "=10/20", "explain=0/5",
                          "explain=5/0", "explain=-1/2", "explain=1/2/3", "Explain=1/2",
                          "9lives=1/2", "ex plain=1/2", "explain=1.5/2", "explain=10000000/1",
                          "explain=10/20,broken", std::string(65, 'a') + "=1/2"}) {
    EXPECT_FALSE(cfg::parse_group_limits(bad)) << bad;
  }
  EXPECT_TRUE(cfg::parse_group_limits(std::string(64, 'a') + "=1/2"));
}

TEST(ParseGroupLimits, RejectsAGroupNamedTwice) {
  // Both entries would become the same limiter ("group:explain") inside a
  // bucket, checked twice and charged twice per request with parameters that
  // flip between the two on every request.
  EXPECT_FALSE(cfg::parse_group_limits("explain=10/20,explain=3/4"));
  EXPECT_FALSE(cfg::parse_group_limits("explain=10/20,explain=10/20"));
}
