#include "actors/llm/completion.hpp"

namespace delta::llm {

std::string_view to_string(failure_kind k) {
  switch (k) {
    case failure_kind::connect_error: return "connect_error";
    case failure_kind::timeout: return "timeout";
    case failure_kind::http_status: return "http_status";
    case failure_kind::invalid_body: return "invalid_body";
    case failure_kind::provider_error: return "provider_error";
    case failure_kind::invalid_output: return "invalid_output";
  }
  return "unknown";
}

}  // namespace delta::llm
