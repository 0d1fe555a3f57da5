#pragma once
// The research_report job kind (issue 5): writes a research report on one
// ticker through the LLM gateway's report_generate use case. The report is
// stored as the job's result (jsonb in the jobs table, durable):
//   {ticker, report_type, content, model, provider}
//
// Payload: {"ticker": "AAPL", "report_type": "summary"|"full", "name"?: "Apple Inc."}
// (the route has validated it and looked the security up).
//
// Idempotent: it only writes its own job's result; running it twice costs a
// second LLM call, nothing else. A gateway that answers 503 (every provider
// failing or open) fails the attempt as retryable: the job's backoff then
// spaces the retries, and after max_attempts it goes to the dead-letter queue.

#include "actors/jobs/handler_registry.hpp"
#include "protocol/actor_slot.hpp"
#include "protocol/llm.hpp"

namespace delta::research {

inline constexpr const char* research_report_kind = "research_report";

void add_research_report_kind(jobs::handler_registry& registry,
                              protocol::slot_ptr<protocol::llm_gateway_actor> gateway);

// The prompts of one report, exposed for tests.
protocol::llm_prompt report_prompt(const std::string& ticker, const std::string& name,
                                   const std::string& report_type, const std::string& job_id);

}  // namespace delta::research
