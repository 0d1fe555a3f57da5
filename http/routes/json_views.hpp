#pragma once
// Pure: protocol values as the JSON clients see (field names of API.md).
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

}  // namespace delta::http
