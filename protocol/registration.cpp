#include "protocol/registration.hpp"

#include "protocol/errors.hpp"
#include "protocol/health.hpp"
#include "protocol/market.hpp"

namespace delta::protocol {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<security>("delta.security")
      .add_message_type<std::vector<security>>("delta.security_list")
      .add_message_type<security_query>("delta.security_query")
      .add_message_type<security_page>("delta.security_page")
      .add_message_type<component_health>("delta.component_health")
      .add_message_type<std::vector<component_health>>("delta.component_health_list")
      .add_message_type<health_report>("delta.health_report");
  cfg.add_error_category(error_category, [](std::uint8_t code, caf::atom_value,
                                            const caf::message& ctx) {
    return "delta:" + to_string(static_cast<errc>(code)) +
           (ctx.empty() ? std::string{} : " " + to_string(ctx));
  });
}

}  // namespace delta::protocol
