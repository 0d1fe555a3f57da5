#pragma once
// Domain errors travel between actors (and nodes) as caf::error values in the
// "delta" category. The HTTP edge maps each to a status and error code in one
// place (http/api_error.cpp); the context message never reaches clients.

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <cstdint>
#include <string>

namespace delta::protocol {

enum class errc : std::uint8_t {
  none = 0,
  not_found,       // the addressed thing does not exist
  conflict,        // it exists already / state forbids the change
  invalid,         // the request is well-formed but not acceptable
  unavailable,     // a dependency (PostgreSQL, a provider) is down or overloaded
  internal,        // a bug or an unexpected state; details go to the log only
  unauthorized,
  forbidden,
  limit_reached,   // a tier's count limit (e.g. API keys) is reached
};

constexpr caf::atom_value error_category = caf::atom("delta");

std::string to_string(errc code);

caf::error make_error(errc code);
caf::error make_error(errc code, std::string log_context);

// errc::invalid naming the offending field, for a 422 whose details say
// {field, problem}. Both strings reach the client: keep them client-safe.
caf::error make_validation_error(std::string field, std::string problem);

// The delta code of an error, or errc::internal for errors of other categories
// (CAF's own, e.g. a dead receiver or a request timeout, map to unavailable).
errc code_of(const caf::error& err);

}  // namespace delta::protocol
