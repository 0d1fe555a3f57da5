#include "http/api_error.hpp"

#include "protocol/errors.hpp"
#include "telemetry/json_log.hpp"

namespace delta::http {

int status_of(error_code code) {
  switch (code) {
    case error_code::bad_request: return 400;
    case error_code::unauthorized: return 401;
    case error_code::forbidden:
    case error_code::not_entitled:
    case error_code::limit_reached: return 403;
    case error_code::not_found: return 404;
    case error_code::method_not_allowed: return 405;
    case error_code::conflict: return 409;
    case error_code::payload_too_large: return 413;
    case error_code::unsupported_media_type: return 415;
    case error_code::header_too_large: return 431;
    case error_code::validation_failed: return 422;
    case error_code::rate_limited: return 429;
    case error_code::internal: return 500;
    case error_code::unavailable: return 503;
  }
  return 500;
}

std::string_view name_of(error_code code) {
  switch (code) {
    case error_code::bad_request: return "bad_request";
    case error_code::unauthorized: return "unauthorized";
    case error_code::forbidden: return "forbidden";
    case error_code::not_entitled: return "not_entitled";
    case error_code::limit_reached: return "limit_reached";
    case error_code::not_found: return "not_found";
    case error_code::method_not_allowed: return "method_not_allowed";
    case error_code::conflict: return "conflict";
    case error_code::payload_too_large: return "payload_too_large";
    case error_code::unsupported_media_type: return "unsupported_media_type";
    case error_code::header_too_large: return "bad_request";  // 431 has no code of its own in API.md
    case error_code::validation_failed: return "validation_failed";
    case error_code::rate_limited: return "rate_limited";
    case error_code::internal: return "internal";
    case error_code::unavailable: return "unavailable";
  }
  return "internal";
}

std::string default_message(error_code code) {
  switch (code) {
    case error_code::bad_request: return "The request could not be parsed.";
    case error_code::unauthorized: return "Authentication is required or the credentials are invalid.";
    case error_code::forbidden: return "You are not allowed to do this.";
    case error_code::not_entitled: return "Your tier does not include this feature.";
    case error_code::limit_reached: return "Your tier's limit is reached.";
    case error_code::not_found: return "Not found.";
    case error_code::method_not_allowed: return "This method is not allowed on this resource.";
    case error_code::conflict: return "The resource already exists or changed.";
    case error_code::payload_too_large: return "The request body is too large.";
    case error_code::unsupported_media_type: return "The request body must be application/json.";
    case error_code::header_too_large: return "The request headers are too large.";
    case error_code::validation_failed: return "The request is invalid.";
    case error_code::rate_limited: return "Too many requests; retry later.";
    case error_code::internal: return "An internal error occurred.";
    case error_code::unavailable: return "The service is temporarily unavailable; retry later.";
  }
  return "An internal error occurred.";
}

api_error make_api_error(error_code code, std::string message) {
  return {code, message.empty() ? default_message(code) : std::move(message), {}};
}

api_error validation_error(std::vector<field_problem> problems) {
  return {error_code::validation_failed, default_message(error_code::validation_failed),
          std::move(problems)};
}

api_error from_domain_error(const caf::error& err, const std::string& what) {
  using protocol::errc;
  switch (protocol::code_of(err)) {
    case errc::not_found: return make_api_error(error_code::not_found, what + " not found.");
    case errc::conflict: return make_api_error(error_code::conflict);
    case errc::invalid:
      // make_validation_error() names the field; other contexts are log text.
      if (err.context().match_elements<std::string, std::string>())
        return validation_error({{err.context().get_as<std::string>(0), err.context().get_as<std::string>(1)}});
      return make_api_error(error_code::validation_failed);
    case errc::unavailable: return make_api_error(error_code::unavailable);
    case errc::unauthorized: return make_api_error(error_code::unauthorized);
    case errc::forbidden: return make_api_error(error_code::forbidden);
    case errc::limit_reached: return make_api_error(error_code::limit_reached);
    case errc::none:
    case errc::internal: break;
  }
  // The client gets a generic message; operators get the context here.
  telemetry::log_error("internal error", {{"error", caf::to_string(err)}});
  return make_api_error(error_code::internal);
}

pending_reply::~pending_reply() {
  if (target_) target_->send(error_response(make_api_error(error_code::unavailable), request_id_));
}

response error_response(const api_error& err, const std::string& request_id) {
  std::string body;
  body.reserve(160);
  body += "{\"error\":{\"code\":\"";
  body += name_of(err.code);
  body += "\",\"message\":";
  telemetry::append_json_string(body, err.message);
  body += ",\"details\":";
  if (err.details.empty()) {
    body += err.code == error_code::validation_failed ? "[]" : "null";
  } else {
    body += '[';
    for (std::size_t i = 0; i < err.details.size(); ++i) {
      if (i) body += ',';
      body += "{\"field\":";
      telemetry::append_json_string(body, err.details[i].field);
      body += ",\"problem\":";
      telemetry::append_json_string(body, err.details[i].problem);
      body += '}';
    }
    body += ']';
  }
  body += ",\"request_id\":";
  telemetry::append_json_string(body, request_id);
  body += "}}";
  return {status_of(err.code), std::move(body), "application/json", {}};
}

}  // namespace delta::http
