#pragma once
// The Anthropic Messages wire format. base_url is the host root, as the
// Anthropic SDKs expect: "https://api.anthropic.com" -> POST /v1/messages.
//
// Anthropic has no JSON mode: for json_output the request is sent as is and
// the use case's prompt must ask for JSON; the structured-output validator
// rejects anything else, so the guarantee is the same for both formats.

#include <chrono>
#include <optional>
#include <string_view>

#include "actors/llm/completion.hpp"
#include "actors/llm/wire_request.hpp"

namespace delta::llm {

inline constexpr std::string_view anthropic_version = "2023-06-01";

// The system prompt goes top-level; messages with role "system" are appended
// to it (the Messages API allows only user/assistant turns). Each message's
// content is one text block.
wire_request encode_anthropic(const completion_request& req, std::string_view path_prefix,
                              std::string_view api_key);

// Any status and body -> a result or a failure, never an exception. The text
// is the concatenation of the response's text blocks.
completion_outcome decode_anthropic(int status, std::string_view body,
                                    std::optional<std::chrono::seconds> retry_after = std::nullopt);

}  // namespace delta::llm
