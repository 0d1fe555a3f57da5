#pragma once
// Reading JSON from a provider as hostile input: parsing and every field
// access report absence instead of throwing, numbers are range-checked, and
// text kept for logs is bounded. Shared by the wire decoders and the
// structured-output validator.

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace delta::llm::untrusted_json {

// Larger bodies are refused before parsing (the HTTP client should cap
// reads at the same size).
inline constexpr std::size_t max_body_bytes = 8 * 1024 * 1024;

// nullopt when the text is not exactly one JSON value (trailing garbage,
// invalid UTF-8, nesting deeper than 64, too large); `why` then says which.
std::optional<boost::json::value> parse(std::string_view text, std::string* why = nullptr);

// Field access: nullptr / nullopt when `v` is not an object, the key is
// missing, or the member has another type.
const boost::json::object* object_at(const boost::json::value& v, std::string_view key);
const boost::json::array* array_at(const boost::json::value& v, std::string_view key);
std::optional<std::string_view> string_at(const boost::json::value& v, std::string_view key);
std::optional<std::string_view> string_at(const boost::json::object& o, std::string_view key);

// A token count: an integer (or an integral double) in [0, 10^9]; anything
// else is nullopt, so an absurd number never reaches cost accounting.
std::optional<std::int64_t> count_at(const boost::json::object& o, std::string_view key);

// The number of members written in `text`, which must be a JSON object that
// parse() accepted. Boost.JSON (1.81) keeps only the last of duplicate keys,
// so a count above the parsed object's size() means the text repeated a key
// — possibly spelled with escapes ("a\u0062" == "ab").
std::size_t written_member_count(std::string_view text);

// At most `max_bytes` of `text` with control characters replaced by spaces
// and a cut UTF-8 sequence dropped: safe for one log line.
std::string log_excerpt(std::string_view text, std::size_t max_bytes = 300);

}  // namespace delta::llm::untrusted_json
