// llm-stub answers: pure functions from a request (wire format, headers,
// body) to a response (status, extra headers, JSON body). No I/O, no clock:
// the same request always gives the same bytes.
//
// Rules (documented in main.cpp's header too):
//   text       "stub answer to: " + the first 60 code points of the last
//              message whose role is "user" (empty if there is none).
//   JSON mode  OpenAI response_format.type == "json_object", or the marker
//              "[json]" anywhere in the prompt (system or any message), for
//              either format. The text is then the JSON object
//              {"decision":"approve|reject|abstain","confidence":0.xx,
//               "rationale":"stub rationale for: <first 60 code points>"}
//              with h = FNV-1a 64 of the prompt, decision = {approve, reject,
//              abstain}[h % 3], confidence = 0.50 + ((h >> 8) % 50) / 100.
//   prompt     every message as "role: content\n" in order, the Anthropic
//              system text first as "system: ...\n".
//   tokens     prompt tokens = whitespace-separated words of all message
//              contents (+ the system text); completion tokens = words of the
//              answer text. total = prompt + completion.
//   ids        "chatcmpl-" / "msg_" + 16 hex digits of FNV-1a 64 of
//              model + "\n" + prompt + "\n" + text. "created" is 1700000000.
//   max_tokens, temperature, stream and any other field are accepted and
//   ignored (no truncation to max_tokens).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace llm_stub {

enum class wire { openai, anthropic };

struct reply {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
    std::string body;
};

struct chat_request {
    wire format = wire::openai;
    std::string model;
    std::string prompt;     // "role: content\n" lines, system first
    std::string last_user;  // content of the last user message
    std::size_t prompt_words = 0;
    bool json_wanted = false;
};

// Error kinds, mapped to each provider's error type / status.
enum class error_kind { bad_request, unauthorized, not_found, method_not_allowed, server_error, rate_limited };

std::uint64_t fnv1a64(std::string_view s) noexcept;
std::size_t count_words(std::string_view s) noexcept;
// The first n code points of a UTF-8 string (never cuts a sequence in half).
std::string utf8_prefix(std::string_view s, std::size_t n);

// Credential headers: nullopt when acceptable, else the error reply.
// OpenAI: Authorization: Bearer <non-empty>. Anthropic: x-api-key non-empty
// (401) and anthropic-version present (400).
std::optional<reply> check_auth(wire w, std::string_view authorization, std::string_view x_api_key,
                                std::string_view anthropic_version);

// Parse and validate a request body: the request, or a 400 in the provider's shape.
std::variant<chat_request, reply> parse_request(wire w, std::string_view body);

// The assistant text. invalid_json: when JSON was asked, return text that is
// not valid JSON ("not json {" + ...); otherwise the normal text.
std::string answer_text(const chat_request& r, bool invalid_json);

// The 200 response for r.
reply success(const chat_request& r, bool invalid_json);

// An error response in the provider's shape. retry_after_s is used for rate_limited.
reply error(wire w, error_kind k, std::string_view message, int retry_after_s = 0);

}  // namespace llm_stub
