#pragma once
// Pure: protocol values as the JSON clients see (field names of API.md).
#include "protocol/auth.hpp"
#include "protocol/health.hpp"
#include "protocol/market.hpp"

#include <string>

namespace delta::http {

std::string security_json(const protocol::security& s);
std::string securities_json(const std::vector<protocol::security>& items);

// {"status": ..., "components": {...}} for /health/detailed; status is the
// worst component status.
std::string health_detailed_json(const protocol::health_report& report, std::string& overall);
std::string readiness_json(const protocol::health_report& report, bool& ready);
// What the operations routes report when the health check itself gave no
// report (its actor restarting, stuck or gone): the database's state is
// unknown, which is that component's failure, in the documented shape.
protocol::health_report unanswered_health_report();

std::string user_json(const protocol::user_view& u);
std::string me_json(const protocol::principal& who);
std::string login_json(const protocol::login_result& r);
// `key` (the secret) is included only in the answer to the key's creation.
std::string api_key_json(const protocol::api_key_view& k);
std::string api_keys_json(const std::vector<protocol::api_key_view>& keys);
std::string tier_json(const protocol::tier_view& t);
std::string tiers_json(const std::vector<protocol::tier_view>& tiers);

}  // namespace delta::http
