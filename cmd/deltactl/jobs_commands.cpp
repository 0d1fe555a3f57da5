// jobs dead|retry|enqueue|get: the durable jobs (API.md "Jobs", the admin
// dead-letter rows of "Platform", and "Research"'s POST /admin/jobs).
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/fields_view.hpp"
#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/output.hpp"

#include <boost/json.hpp>

#include <memory>

namespace delta::ctl {

namespace json = boost::json;

namespace {

const route list_route{"GET", "/api/v2/platform/admin/jobs"};
const route retry_route{"POST", "/api/v2/platform/admin/jobs/{job_id}/retry"};
const route enqueue_route{"POST", "/api/v2/platform/admin/jobs"};
const route get_route{"GET", "/api/v2/jobs/{job_id}"};

constexpr std::size_t error_width = 60;  // the table shows the start of a job's error; `jobs get` all of it

struct jobs_args {
  int limit = 50;
  int offset = 0;
  std::string job_id;
  std::string kind;
  std::string payload;  // JSON text, checked by the option's validator
};

std::string count_text(const json::value& attempts, const json::value& max_attempts) {
  return cell_text(attempts) + "/" + cell_text(max_attempts);
}

std::string dead_view(const api_answer& answer) {
  table t{{{"JOB_ID"}, {"KIND"}, {"ATTEMPTS", align::right}, {"CREATED_AT"}, {"FINISHED_AT"}, {"ERROR"}}};
  for (auto& j : elements(answer.data))
    t.add_row({cell_text(field(j, "job_id")), cell_text(field(j, "kind")),
               count_text(field(j, "attempts"), field(j, "max_attempts")), cell_text(field(j, "created_at")),
               cell_text(field(j, "finished_at")), shortened(cell_text(field(j, "error")), error_width)});
  auto out = table_text(t, "(no dead jobs)");
  auto* total = answer.meta.if_contains("total");
  if (total && total->is_int64() && total->get_int64() > static_cast<std::int64_t>(t.rows()))
    out += "Showing " + std::to_string(t.rows()) + " of " + std::to_string(total->get_int64()) +
           " dead jobs (--limit, --offset).\n";
  return out;
}

int list_dead(const global_options& opts, const jobs_args& args) {
  api_client api{opts};
  std::vector<std::pair<std::string, std::string>> query{
      {"status", "dead"}, {"limit", std::to_string(args.limit)}, {"offset", std::to_string(args.offset)}};
  auto answer = api.authenticated().call({list_route, {}, query, {}});
  print_answer(opts, answer.data, [&] { return dead_view(answer); });
  return 0;
}

int retry(const global_options& opts, const jobs_args& args) {
  api_client api{opts};
  auto answer = api.authenticated().call({retry_route, {args.job_id}, {}, {}});
  print_answer(opts, answer.data, [&] { return "Requeued job " + args.job_id + ".\n" + fields_view(answer.data); });
  return 0;
}

int get(const global_options& opts, const jobs_args& args) {
  api_client api{opts};
  auto answer = api.authenticated().call({get_route, {args.job_id}, {}, {}});
  print_answer(opts, answer.data, [&] { return fields_view(answer.data); });
  return 0;
}

int enqueue(const global_options& opts, const jobs_args& args) {
  json::object body{{"kind", args.kind}};
  if (!args.payload.empty()) body["payload"] = json::parse(args.payload);
  api_client api{opts};
  auto answer = api.authenticated().call({enqueue_route, {}, {}, json::value(std::move(body))});
  print_answer(opts, answer.data, [&] {
    return "Queued job " + cell_text(field(answer.data, "job_id")) + " (" + args.kind + "): " +
           cell_text(field(answer.data, "status")) + ".\n";
  });
  return 0;
}

// CLI11 validator: the text must be one JSON document.
std::string json_problem(const std::string& text) {
  boost::system::error_code ec;
  json::parse(text, ec);
  return ec ? "not JSON: " + ec.message() : std::string{};
}

}  // namespace

void add_jobs_commands(CLI::App& app, command_line& cl) {
  auto args = std::make_shared<jobs_args>();
  auto* jobs = app.add_subcommand("jobs", "durable jobs: the dead-letter queue, retry, enqueue, one job")
                   ->group("Jobs")
                   ->require_subcommand(1);

  auto* dead = jobs->add_subcommand("dead", "the dead-letter queue: jobs that used up their attempts (admin)");
  dead->add_option("--limit", args->limit, "at most this many (1..1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  dead->add_option("--offset", args->offset, "skip this many")->check(CLI::NonNegativeNumber)->capture_default_str();
  run_on(dead, cl, args, list_dead);

  auto* again = jobs->add_subcommand("retry", "requeue a dead job, its attempts reset (admin)");
  again->add_option("JOB_ID", args->job_id, "the job's id (UUID)")->required();
  run_on(again, cl, args, retry);

  auto* add = jobs->add_subcommand("enqueue", "queue a job of a registered kind (admin)");
  add->add_option("KIND", args->kind, "the job's kind, e.g. refresh_summaries")->required();
  add->add_option("--payload", args->payload, "the job's payload, a JSON document")
      ->check(CLI::Validator(json_problem, "JSON"));
  run_on(add, cl, args, enqueue);

  auto* one = jobs->add_subcommand("get", "one job: status, progress, attempts, result or error (owner or admin)");
  one->add_option("JOB_ID", args->job_id, "the job's id (UUID)")->required();
  run_on(one, cl, args, get);
}

}  // namespace delta::ctl
