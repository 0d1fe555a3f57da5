#pragma once
// The failure for a non-2xx provider answer, shared by both wire decoders:
// kind http_status, retryable per retry_policy, Retry-After kept only where
// it means "come back later" (429, 503), and the provider's own error
// message (if the body has one at `error.message`) as the log text.

#include <chrono>
#include <optional>
#include <string_view>

#include "actors/llm/completion.hpp"

namespace delta::llm {

call_failure http_failure(int status, std::string_view body,
                          std::optional<std::chrono::seconds> retry_after);

// A failure of the given kind (invalid_body / provider_error) with a log
// message; never retryable.
call_failure body_failure(failure_kind kind, int status, std::string_view message);

}  // namespace delta::llm
