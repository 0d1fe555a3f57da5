#include "protocol/registration.hpp"

#include "protocol/auth.hpp"
#include "protocol/cluster.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"
#include "protocol/health.hpp"
#include "protocol/jobs.hpp"
#include "protocol/llm.hpp"
#include "protocol/market.hpp"
#include "protocol/ratelimit.hpp"
#include "protocol/signals.hpp"
#include "protocol/stream.hpp"

namespace delta::protocol {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<security>("delta.security")
      .add_message_type<std::vector<security>>("delta.security_list")
      .add_message_type<security_query>("delta.security_query")
      .add_message_type<security_page>("delta.security_page")
      .add_message_type<new_security>("delta.new_security")
      .add_message_type<component_health>("delta.component_health")
      .add_message_type<std::vector<component_health>>("delta.component_health_list")
      .add_message_type<health_report>("delta.health_report")
      .add_message_type<principal>("delta.principal")
      .add_message_type<user_view>("delta.user_view")
      .add_message_type<register_request>("delta.register_request")
      .add_message_type<login_result>("delta.login_result")
      .add_message_type<api_key_view>("delta.api_key_view")
      .add_message_type<std::vector<api_key_view>>("delta.api_key_list")
      .add_message_type<key_query>("delta.key_query")
      .add_message_type<api_key_page>("delta.api_key_page")
      .add_message_type<tier_view>("delta.tier_view")
      .add_message_type<std::vector<tier_view>>("delta.tier_list")
      .add_message_type<user_patch>("delta.user_patch")
      .add_message_type<tier_patch>("delta.tier_patch")
      .add_message_type<limit_spec>("delta.limit_spec")
      .add_message_type<admit_request>("delta.admit_request")
      .add_message_type<admit_decision>("delta.admit_decision")
      .add_message_type<llm_prompt>("delta.llm_prompt")
      .add_message_type<llm_direct_prompt>("delta.llm_direct_prompt")
      .add_message_type<llm_answer>("delta.llm_answer")
      .add_message_type<llm_endpoint_config>("delta.llm_endpoint_config")
      .add_message_type<llm_endpoint_list>("delta.llm_endpoint_list")
      .add_message_type<llm_route_config>("delta.llm_route_config")
      .add_message_type<llm_evaluator_config>("delta.llm_evaluator_config")
      .add_message_type<llm_evaluator_list>("delta.llm_evaluator_list")
      .add_message_type<breaker_view>("delta.breaker_view")
      .add_message_type<breaker_list>("delta.breaker_list")
      .add_message_type<gate_pass>("delta.gate_pass")
      .add_message_type<gate_outcome>("delta.gate_outcome");
  cfg.add_message_type<job_view>("delta.job_view")
      .add_message_type<job_request>("delta.job_request")
      .add_message_type<job_query>("delta.job_query")
      .add_message_type<job_page>("delta.job_page")
      .add_message_type<job_event>("delta.job_event");
  cfg.add_message_type<candle>("delta.candle")
      .add_message_type<std::vector<candle>>("delta.candle_list")
      .add_message_type<candle_batch>("delta.candle_batch")
      .add_message_type<upsert_counts>("delta.upsert_counts")
      .add_message_type<bar_range>("delta.bar_range")
      .add_message_type<price_query>("delta.price_query")
      .add_message_type<candle_page>("delta.candle_page")
      .add_message_type<indicator_spec>("delta.indicator_spec")
      .add_message_type<indicator_query>("delta.indicator_query")
      .add_message_type<indicator_point>("delta.indicator_point")
      .add_message_type<indicator_series>("delta.indicator_series")
      .add_message_type<indicator_report>("delta.indicator_report");
  cfg.add_message_type<region_counts>("delta.region_counts");
  cfg.add_message_type<member_view>("delta.member_view");
  cfg.add_message_type<stream_event>("delta.stream_event")
      .add_message_type<stream_filter>("delta.stream_filter");
  cfg.add_message_type<signal_submission>("delta.signal_submission")
      .add_message_type<signal_receipt>("delta.signal_receipt")
      .add_message_type<signal_document>("delta.signal_document")
      .add_message_type<signal_query>("delta.signal_query")
      .add_message_type<signal_page>("delta.signal_page");
  cfg.add_error_category(error_category, [](std::uint8_t code, caf::atom_value,
                                            const caf::message& ctx) {
    return "delta:" + to_string(static_cast<errc>(code)) +
           (ctx.empty() ? std::string{} : " " + to_string(ctx));
  });
}

}  // namespace delta::protocol
