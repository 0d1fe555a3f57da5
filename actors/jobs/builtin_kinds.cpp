#include "actors/jobs/builtin_kinds.hpp"

#include "actors/jobs/backtest.hpp"
#include "core/timeframe.hpp"
#include "core/rfc3339.hpp"
#include "storage/candle_repository.hpp"
#include "storage/jobs_repository.hpp"
#include "storage/security_repository.hpp"

#include <boost/json.hpp>

#include <string>

namespace delta::jobs {

namespace {

// Bars one backtest may read: a year of hourly bars is ~8,800; this bounds
// the job's memory whatever range a caller asks for.
constexpr std::int64_t max_backtest_bars = 200000;

struct stored_range {
  std::string ticker;
  std::int32_t timeframe_seconds = 86400;
  std::int64_t from = 0;
  std::int64_t to = 0;  // exclusive
};

std::optional<stored_range> range_of(const std::string& payload, std::string& error) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(payload, ec);
  auto text = [&](const char* key) -> std::string {
    auto* v = doc.is_object() ? doc.as_object().if_contains(key) : nullptr;
    return v && v->is_string() ? std::string{v->as_string()} : std::string{};
  };
  auto tf = core::parse_timeframe(text("timeframe"));
  auto from = core::parse_rfc3339(text("from"));
  auto to = core::parse_rfc3339(text("to"));
  if (ec || text("ticker").empty() || !tf || !from || !to || from->seconds >= to->seconds) {
    error = "payload needs ticker, timeframe and from < to (RFC 3339) when it has no candles";
    return std::nullopt;
  }
  return stored_range{text("ticker"), tf->seconds, from->seconds, to->seconds};
}

// Runs the strategy over candles given in the payload, or else over stored
// candles of {ticker, timeframe, from, to} (resampled by PostgreSQL).
class backtest_handler final : public job_handler {
 public:
  void start(job_context& ctx) override {
    std::string error;
    auto input = parse_backtest_payload(ctx.job().payload, error);
    if (!input) return ctx.fail(error, false);  // no retry can fix the payload
    if (!input->candles.empty()) return ctx.succeed(to_json(run_backtest(input->candles, input->how)));
    auto range = range_of(ctx.job().payload, error);
    if (!range) return ctx.fail(error, false);
    ctx.progress(10);
    ctx.query({storage::securities::by_ticker(range->ticker)}, false,
              [&ctx, how = input->how, r = *range](storage::pg_reply& reply) {
                if (!reply.ok()) return ctx.fail("cannot read the security: " + reply.error->message, true);
                auto security = storage::securities::to_security(reply.results.at(0));
                if (!security) return ctx.fail("unknown ticker " + r.ticker, false);
                load_and_run(ctx, how, r, security->security_id);
              });
  }

 private:
  static void load_and_run(job_context& ctx, strategy how, const stored_range& r, const std::string& security_id) {
    ctx.query({storage::candles::bars(security_id, r.timeframe_seconds, r.from, r.to, max_backtest_bars, false)},
              false, [&ctx, how](storage::pg_reply& reply) {
                if (!reply.ok()) return ctx.fail("cannot read candles: " + reply.error->message, true);
                std::vector<candle> candles;
                for (auto& c : storage::candles::to_candles(reply.results.at(0)))
                  candles.push_back({core::format_rfc3339(c.ts), c.open, c.high, c.low, c.close, c.volume});
                ctx.progress(60);
                ctx.succeed(to_json(run_backtest(candles, how)));
              });
  }
};

std::string summary_of(const std::vector<std::pair<std::string, std::int64_t>>& depth) {
  std::string jobs;
  for (auto& [status, count] : depth)
    jobs += (jobs.empty() ? "\"" : ",\"") + status + "\":" + std::to_string(count);
  return R"({"placeholder":true,"summary_rows":)" + std::to_string(depth.size()) + R"(,"jobs":{)" + jobs + "}}";
}

class refresh_summaries final : public job_handler {
 public:
  void start(job_context& ctx) override {
    ctx.query({storage::jobs::depth()}, false, [&ctx](storage::pg_reply& reply) {
      if (!reply.ok()) return ctx.fail("cannot read job counts: " + reply.error->message, true);
      ctx.succeed(summary_of(storage::jobs::to_depth(reply.results.at(0))));
    });
  }
};

}  // namespace

void add_builtin_kinds(handler_registry& registry) {
  registry.add("noop", synchronous([](job_context& ctx) { ctx.succeed("{}"); }));
  registry.add("backtest", [] { return std::make_unique<backtest_handler>(); });
  registry.add("refresh_summaries", [] { return std::make_unique<refresh_summaries>(); });
}

}  // namespace delta::jobs
