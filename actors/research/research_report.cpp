#include "actors/research/research_report.hpp"

#include "protocol/errors.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <caf/all.hpp>

namespace delta::research {

namespace json = boost::json;

namespace {

constexpr const char* system_prompt =
    "You are a careful equity and crypto research analyst. Write for professional traders: facts "
    "first, then drivers, risks and what would change the view. Say plainly what you do not know; "
    "never invent figures. Plain text with short headed sections.";

struct report_request {
  std::string ticker;
  std::string name;
  std::string report_type;
};

std::optional<report_request> read_payload(const std::string& payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& o = v.as_object();
  auto text = [&](const char* key) -> std::string {
    auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string{f->as_string()} : std::string{};
  };
  report_request r{text("ticker"), text("name"), text("report_type")};
  if (r.ticker.empty() || (r.report_type != "summary" && r.report_type != "full")) return std::nullopt;
  return r;
}

class research_report_handler : public jobs::job_handler {
 public:
  explicit research_report_handler(protocol::slot_ptr<protocol::llm_gateway_actor> gateway)
      : gateway_{std::move(gateway)} {}

  void start(jobs::job_context& ctx) override {
    auto request = read_payload(ctx.job().payload);
    if (!request) return ctx.fail("payload must be {ticker, report_type: summary|full}", false);
    auto gateway = gateway_->get();
    if (!gateway) return ctx.fail("the LLM gateway is not running", true);
    ctx.progress(10);
    tick(ctx);
    auto prompt = report_prompt(request->ticker, request->name, request->report_type, ctx.job().job_id);
    // The entity ignores outcomes reported after a cancel, so the late
    // answer of a cancelled job is dropped there.
    ctx.self()
        ->request(gateway, caf::infinite, protocol::llm_complete_atom::value, std::move(prompt))
        .then(
            [this, &ctx, request = *request](const protocol::llm_answer& a) {
              answered_ = true;
              if (ctx.cancelling()) return;
              ctx.progress(90);
              ctx.succeed(json::serialize(json::object{{"ticker", request.ticker},
                                                       {"report_type", request.report_type},
                                                       {"content", a.text},
                                                       {"model", a.model},
                                                       {"provider", a.provider}}));
            },
            [this, &ctx](const caf::error& err) {
              answered_ = true;
              if (ctx.cancelling()) return;
              ctx.fail("LLM gateway: " + protocol::to_string(protocol::code_of(err)), true);
            });
  }

 private:
  // While the model writes (reports take seconds to minutes), progress
  // creeps from 10 towards 80 once a second, so subscribers of the job see
  // it alive; the answer jumps it to 90 and success to 100.
  void tick(jobs::job_context& ctx) {
    ctx.after(std::chrono::seconds(1), [this, &ctx] {
      if (answered_ || ctx.cancelling()) return;
      percent_ = std::min(80, percent_ + 10);
      ctx.progress(percent_);
      tick(ctx);
    });
  }

  protocol::slot_ptr<protocol::llm_gateway_actor> gateway_;
  bool answered_ = false;
  int percent_ = 10;
};

}  // namespace

protocol::llm_prompt report_prompt(const std::string& ticker, const std::string& name,
                                   const std::string& report_type, const std::string& job_id) {
  protocol::llm_prompt p;
  p.use_case = "report_generate";
  p.system = system_prompt;
  auto subject = name.empty() ? ticker : name + " (" + ticker + ")";
  p.user = report_type == "summary"
               ? "Write a one-page summary research report on " + subject +
                     ": business, recent drivers, key risks, and the signals a trader should watch."
               : "Write a full research report on " + subject +
                     ": business and market position, recent drivers, valuation context, technical "
                     "picture, key risks, scenarios, and the signals a trader should watch.";
  // A summary needs far fewer tokens; the full report gets the route's budget.
  p.max_tokens = report_type == "summary" ? 1200 : 0;
  p.request_id = "job:" + job_id;
  return p;
}

void add_research_report_kind(jobs::handler_registry& registry,
                              protocol::slot_ptr<protocol::llm_gateway_actor> gateway) {
  registry.add(research_report_kind, [gateway] { return std::make_unique<research_report_handler>(gateway); });
}

}  // namespace delta::research
