#include "protocol/errors.hpp"

#include <caf/sec.hpp>

namespace delta::protocol {

std::string to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::invalid: return "invalid";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::limit_reached: return "limit_reached";
  }
  return "internal";
}

caf::error make_error(errc code) {
  return caf::error{static_cast<std::uint8_t>(code), error_category};
}

caf::error make_error(errc code, std::string log_context) {
  return caf::error{static_cast<std::uint8_t>(code), error_category,
                    caf::make_message(std::move(log_context))};
}

caf::error make_validation_error(std::string field, std::string problem) {
  return caf::error{static_cast<std::uint8_t>(errc::invalid), error_category,
                    caf::make_message(std::move(field), std::move(problem))};
}

errc code_of(const caf::error& err) {
  if (!err) return errc::none;
  if (err.category() == error_category) return static_cast<errc>(err.code());
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
      case caf::sec::request_receiver_down:
      case caf::sec::cannot_connect_to_node:
        return errc::unavailable;
      default:
        break;
    }
  }
  return errc::internal;
}

}  // namespace delta::protocol
