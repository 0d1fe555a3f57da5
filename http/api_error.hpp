#pragma once
// The one place where errors become HTTP: API error codes, their statuses,
// and the mapping from domain errors. Client messages are fixed, generic
// texts; internal detail goes to the log only.

#include "http/message.hpp"

#include <string>
#include <vector>

namespace caf {
class error;
}

namespace delta::http {

enum class error_code {
  bad_request,
  unauthorized,
  forbidden,
  not_entitled,
  limit_reached,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  unsupported_media_type,
  header_too_large,
  validation_failed,
  rate_limited,
  internal,
  unavailable,
};

struct field_problem {
  std::string field;
  std::string problem;
};

struct api_error {
  error_code code = error_code::internal;
  std::string message;                  // safe for clients
  std::vector<field_problem> details;   // validation_failed only
};

int status_of(error_code code);
std::string_view name_of(error_code code);
std::string default_message(error_code code);

api_error make_api_error(error_code code, std::string message = {});
api_error validation_error(std::vector<field_problem> problems);

// Maps a domain error (protocol::errc in a caf::error, or CAF's own) to the
// client's error; `what` names the thing for not_found messages.
api_error from_domain_error(const caf::error& err, const std::string& what = "resource");

// {"error":{"code","message","details","request_id"}} with the right status.
response error_response(const api_error& err, const std::string& request_id);

}  // namespace delta::http
