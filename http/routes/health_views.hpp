#pragma once
// Pure: the operations probes' bodies (API.md "Operations").
#include "protocol/health.hpp"

#include <string>

namespace delta::http {

// {"status": ..., "components": {...}} for /health/detailed; status is the
// worst component status.
std::string health_detailed_json(const protocol::health_report& report, std::string& overall);
std::string readiness_json(const protocol::health_report& report, bool& ready);
// What the operations routes report when the health check itself gave no
// report (its actor restarting, stuck or gone): the database's state is
// unknown, which is that component's failure, in the documented shape.
protocol::health_report unanswered_health_report();

}  // namespace delta::http
