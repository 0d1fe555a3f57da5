// Jobs (API.md "Jobs", the research and backtest rows of "Signals", and the
// admin dead-letter rows of "Platform"). The jobs actor commits a job before
// it answers, so a 202 here means the job is durable.
#include "http/routes/jobs.hpp"

#include "core/uuid.hpp"
#include "http/api_error.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/job_access.hpp"
#include "http/json_body.hpp"
#include "http/list_call.hpp"
#include "http/query.hpp"
#include "http/routes/routes.hpp"
#include "core/timeframe.hpp"
#include "core/rfc3339.hpp"
#include "protocol/errors.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>

namespace delta::http {

namespace json = boost::json;

namespace {

constexpr const char* ticker_rule = "must be 1 to 20 characters of A-Z, 0-9, '.', '-', '/'";

json::value json_or_text(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

std::string job_json(const protocol::job_view& j) {
  json::object o{{"job_id", j.job_id},   {"kind", j.kind},
                 {"status", j.status},   {"progress", j.progress},
                 {"attempts", j.attempts}, {"max_attempts", j.max_attempts},
                 {"created_at", j.created_at}};
  o["result"] = j.result ? json_or_text(*j.result) : json::value(nullptr);
  o["error"] = j.error ? json::value(*j.error) : json::value(nullptr);
  o["started_at"] = j.started_at ? json::value(*j.started_at) : json::value(nullptr);
  o["finished_at"] = j.finished_at ? json::value(*j.finished_at) : json::value(nullptr);
  return json::serialize(o);
}

std::string jobs_json(const std::vector<protocol::job_view>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += job_json(items[i]);
  }
  return out + "]";
}

std::string job_link(const std::string& job_id) { return "/api/v2/jobs/" + job_id; }

// Jobs of others do not exist for the caller: the same 404 as an unknown id.
bool may_see(const edge_context& ctx, const protocol::job_view& j) { return ctx.who && may_see_job(j, *ctx.who); }

void not_found(const reply_ptr& reply) {
  reply->send(error_response(make_api_error(error_code::not_found, "Job not found."), reply->request_id()));
}

protocol::jobs_actor jobs(const edge_context& ctx) { return ctx.svc.get(protocol::jobs_service); }

// 202 {job_id, status}, links.self: the job is committed.
void enqueue(edge_context& ctx, protocol::job_request job, reply_ptr reply) {
  ctx.ask(jobs(ctx), protocol::enqueue_job_atom::value, std::move(job))
      .then(
          [reply](const protocol::job_view& j) {
            auto data = json::serialize(json::object{{"job_id", j.job_id}, {"status", j.status}});
            reply->send(ok_response(202, data, reply->request_id(), job_link(j.job_id)));
          },
          answer_error(reply, "Job"));
}

// Enqueues `make(security)` once the ticker is known to exist (else 404).
template <class MakeJob>
void enqueue_for_security(edge_context& ctx, const std::string& ticker, reply_ptr reply, MakeJob make) {
  auto* self = ctx.self;
  auto svc = &ctx.svc;
  ctx.ask(ctx.svc.get(protocol::market_service), protocol::get_security_atom::value, ticker)
      .then(
          [self, svc, reply, make](const protocol::security& s) {
            edge_context inner{self, *svc, nullptr};
            enqueue(inner, make(s), reply);
          },
          answer_error(reply, "Security"));
}

void create_report(edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
  auto ticker = params.at(0).second;
  json_body body{req};
  // Required and exact (API.md: summary|full); checked before the unique-job
  // lookup, so a bad type never answers with a queued report.
  auto type = body.text("report_type", true, 1, 16);
  if (type && *type != "summary" && *type != "full") body.add_problem("report_type", "must be summary or full");
  if (!valid_ticker(ticker)) body.add_problem("ticker", ticker_rule);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  // The security must exist; its name makes a better prompt.
  enqueue_for_security(ctx, ticker, std::move(reply), [owner = ctx.who->user_id, type = *type](const protocol::security& s) {
    protocol::job_request job;
    job.kind = "research_report";
    job.payload = json::serialize(json::object{{"ticker", s.ticker}, {"name", s.name}, {"report_type", type}});
    job.owner = owner;
    job.max_attempts = 3;
    // One report per user, ticker and type at a time: a repeat while it is
    // queued or running returns the same job.
    job.unique_key = "research_report:" + owner + ":" + s.ticker + ":" + type;
    return job;
  });
}

// The strategy object of API.md, checked field by field (422 names the field).
json::object read_strategy(json_body& body, const request& req) {
  json::object out;
  auto* v = req.json && req.json->is_object() ? req.json->as_object().if_contains("strategy") : nullptr;
  if (!v || v->is_null()) {
    body.add_problem("strategy", "is required");
    return out;
  }
  json_body s{*v, "strategy"};
  auto type = s.text("type", true, 1, 32);
  if (type == "sma_cross") {
    auto fast = s.integer("fast", true, 1, 1000);
    auto slow = s.integer("slow", true, 2, 5000);
    if (fast && slow && *fast >= *slow) s.add_problem("strategy.fast", "must be less than strategy.slow");
    if (fast && slow) out = {{"type", *type}, {"fast", *fast}, {"slow", *slow}};
  } else if (type == "rsi_reversion") {
    auto period = s.integer("period", true, 2, 1000);
    auto lower = s.number("lower", true, 0, 100);
    auto upper = s.number("upper", true, 0, 100);
    if (lower && upper && *lower >= *upper) s.add_problem("strategy.lower", "must be less than strategy.upper");
    if (period && lower && upper) out = {{"type", *type}, {"period", *period}, {"lower", *lower}, {"upper", *upper}};
  } else if (type) {
    s.add_problem("strategy.type", "must be sma_cross or rsi_reversion");
  }
  body.absorb(s);
  return out;
}

void create_backtest(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto ticker = body.text("ticker", true, 1, 20);
  auto timeframe = body.text("timeframe", true, 1, 4);
  auto from = body.text("from", true, 1, 40);
  auto to = body.text("to", true, 1, 40);
  auto strategy = read_strategy(body, req);
  if (ticker && !valid_ticker(*ticker)) body.add_problem("ticker", ticker_rule);
  if (timeframe && !core::parse_timeframe(*timeframe))
    body.add_problem("timeframe", std::string{"must be one of "} + std::string{core::timeframe_names});
  std::optional<core::utc_instant> from_at, to_at;
  if (from && !(from_at = core::parse_rfc3339(*from))) body.add_problem("from", "must be an RFC 3339 timestamp");
  if (to && !(to_at = core::parse_rfc3339(*to))) body.add_problem("to", "must be an RFC 3339 timestamp");
  if (from_at && to_at && from_at->seconds >= to_at->seconds) body.add_problem("to", "must be after from");
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  json::object payload{{"ticker", *ticker}, {"timeframe", *timeframe}, {"strategy", strategy},
                       {"from", *from}, {"to", *to}};
  enqueue_for_security(ctx, *ticker, std::move(reply), [owner = ctx.who->user_id, payload](const protocol::security&) {
    protocol::job_request job;
    job.kind = "backtest";
    job.payload = json::serialize(payload);
    job.owner = owner;
    job.max_attempts = 3;
    return job;
  });
}

void get_job(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  auto& id = params.at(0).second;
  if (!core::is_uuid(id)) return not_found(reply);
  auto* self = ctx.self;
  auto svc = &ctx.svc;
  ctx.ask(jobs(ctx), protocol::get_job_atom::value, id)
      .then(
          [self, svc, who = *ctx.who, reply](const protocol::job_view& j) {
            if (!may_see(edge_context{self, *svc, &who}, j)) return not_found(reply);
            reply->send(ok_response(200, job_json(j), reply->request_id()));
          },
          answer_error(reply, "Job"));
}

void cancel_job(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  auto id = params.at(0).second;
  if (!core::is_uuid(id)) return not_found(reply);
  auto* self = ctx.self;
  auto svc = &ctx.svc;
  auto who = *ctx.who;
  // Look first: a job the caller may not see must not be cancelled either.
  ctx.ask(jobs(ctx), protocol::get_job_atom::value, id)
      .then(
          [self, svc, who, id, reply](const protocol::job_view& j) {
            edge_context inner{self, *svc, &who};
            if (!may_see(inner, j)) return not_found(reply);
            inner.ask(jobs(inner), protocol::cancel_job_atom::value, id)
                .then(answer_with<protocol::job_view>(reply, 200, job_json), [reply](const caf::error& err) {
                  auto e = protocol::code_of(err) == protocol::errc::conflict
                               ? make_api_error(error_code::conflict, "The job has finished; it cannot be cancelled.")
                               : from_domain_error(err, "Job");
                  reply->send(error_response(e, reply->request_id()));
                });
          },
          answer_error(reply, "Job"));
}

void list_jobs(edge_context& ctx, request&, path_params&, list_call& call) {
  auto status = call.query().text("status", 16);
  static const std::vector<std::string> statuses{"queued", "running", "succeeded", "failed", "dead", "cancelled"};
  if (!status.empty() && std::find(statuses.begin(), statuses.end(), status) == statuses.end())
    call.query().add_problem("status", "must be one of queued, running, succeeded, failed, dead, cancelled");
  if (call.refuse_invalid()) return;
  auto& page = call.page();
  protocol::job_query q{status, static_cast<std::int32_t>(page.limit), page.offset};
  ctx.ask(jobs(ctx), protocol::list_jobs_atom::value, q)
      .then([call](const protocol::job_page& result) { call.send(jobs_json(result.items), result.total); },
            answer_error(call.reply(), "Job"));
}

void retry_job(edge_context& ctx, request&, path_params& params, reply_ptr reply) {
  auto& id = params.at(0).second;
  if (!core::is_uuid(id)) return not_found(reply);
  ctx.ask(jobs(ctx), protocol::retry_job_atom::value, id)
      .then(answer_with<protocol::job_view>(reply, 200, job_json), [reply](const caf::error& err) {
        auto e = protocol::code_of(err) == protocol::errc::conflict
                     ? make_api_error(error_code::conflict, "Only a dead job can be retried.")
                     : from_domain_error(err, "Job");
        reply->send(error_response(e, reply->request_id()));
      });
}

const param_doc job_id_param{"job_id", "path", "string", "the job's id (UUID)", true};

}  // namespace

void add_jobs_routes(router& r) {
  r.post("/api/v2/signals/research/{ticker}/reports")
      .summary("Queue a research report on a ticker (LLM use case report_generate)", "signals")
      .auth(auth_mode::any)
      .feature("research_reports")
      .json_body()
      .rate_group("jobs.create")
      .param({"ticker", "path", "string", "1..20 of A-Z 0-9 . - /", true})
      .answers({202, 404, 422})
      .in_edge(create_report);
  r.post("/api/v2/signals/backtests")
      .summary("Queue a backtest: sma_cross {fast, slow} or rsi_reversion {period, lower, upper}", "signals")
      .auth(auth_mode::any)
      .feature("backtest")
      .json_body()
      .rate_group("jobs.create")
      .answers({202, 404, 422})
      .in_edge(create_backtest);
  r.get("/api/v2/jobs/{job_id}")
      .summary("A job: status, progress, attempts, result or error (owner or admin)", "jobs")
      .auth(auth_mode::any)
      .rate_group("jobs.read")
      .param(job_id_param)
      .answers({200, 404})
      .in_edge(get_job);
  r.del("/api/v2/jobs/{job_id}")
      .summary("Cancel a queued or running job (owner or admin)", "jobs")
      .auth(auth_mode::any)
      .rate_group("jobs.read")
      .param(job_id_param)
      .answers({200, 404, 409})
      .in_edge(cancel_job);
  r.get("/api/v2/platform/admin/jobs")
      .summary("Jobs by status, e.g. the dead-letter queue (status=dead)", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .param({"status", "query", "string", "queued, running, succeeded, failed, dead or cancelled"})
      .answers({200})
      .list(list_jobs);
  r.post("/api/v2/platform/admin/jobs/{job_id}/retry")
      .summary("Requeue a dead job (attempts reset)", "admin")
      .auth(auth_mode::admin)
      .rate_group("admin")
      .param(job_id_param)
      .answers({200, 404, 409})
      .in_edge(retry_job);
}

}  // namespace delta::http
