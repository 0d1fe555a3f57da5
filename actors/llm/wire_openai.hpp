#pragma once
// The OpenAI chat-completions wire format, spoken by openai, openai_compat,
// ollama and vllm. base_url includes the version prefix, as the OpenAI SDKs
// expect: "https://api.openai.com/v1" -> POST /v1/chat/completions.

#include <chrono>
#include <optional>
#include <string_view>

#include "actors/llm/completion.hpp"
#include "actors/llm/wire_request.hpp"

namespace delta::llm {

// `path_prefix` from parse_base_url(); `api_key` may be empty (local
// servers): then no Authorization header is sent. The system prompt becomes
// the first message (role "system"); json_output adds
// response_format {"type":"json_object"}.
wire_request encode_openai(const completion_request& req, std::string_view path_prefix,
                           std::string_view api_key);

// Any status and body -> a result or a failure, never an exception.
// `retry_after` is the parsed Retry-After header (see parse_retry_after).
completion_outcome decode_openai(int status, std::string_view body,
                                 std::optional<std::chrono::seconds> retry_after = std::nullopt);

}  // namespace delta::llm
