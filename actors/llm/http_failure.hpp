#pragma once
// The failure for a non-2xx provider answer, shared by both wire decoders:
// kind http_status, retryable per retry_policy, Retry-After kept only where
// it means "come back later" (429, 503), and the provider's own error
// message (if the body has one at `error.message`) as the log text.

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <variant>

#include "actors/llm/completion.hpp"

namespace delta::llm {

call_failure http_failure(int status, std::string_view body,
                          std::optional<std::chrono::seconds> retry_after);

// A failure of the given kind (invalid_body / provider_error) with a log
// message; never retryable.
call_failure body_failure(failure_kind kind, int status, std::string_view message);

// The steps both decoders begin with: a non-2xx status is an http_status
// failure; a 2xx body must be one JSON object; an error object in a 2xx
// answer ("error" member, or "type": "error") is the provider's error and is
// not retried. Otherwise the parsed object.
std::variant<boost::json::value, call_failure> success_body(
    int status, std::string_view body, std::optional<std::chrono::seconds> retry_after);

// Copies the token counts of the body's "usage" object (under the provider's
// key names) into `r`. Usage is accounting, not the answer: a server that
// omits it or reports nonsense still answered, so the text is kept and
// usage_reported stays false.
void read_usage(const boost::json::value& body, std::string_view input_key,
                std::string_view output_key, completion_result& r);

}  // namespace delta::llm
