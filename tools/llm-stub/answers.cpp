#include "answers.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace json = boost::json;

namespace llm_stub {

namespace {

constexpr std::int64_t kCreated = 1700000000;

std::string hex16(std::uint64_t h) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return std::string(buf, 16);
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Message content: a string, or an array of {type:"text", text} blocks
// (concatenated with "\n"; other block types are ignored). nullopt if neither.
std::optional<std::string> content_text(const json::value& v) {
    if (auto* s = v.if_string()) return std::string(*s);
    auto* a = v.if_array();
    if (!a) return std::nullopt;
    std::string out;
    bool first = true;
    for (const auto& block : *a) {
        auto* o = block.if_object();
        if (!o) return std::nullopt;
        auto* type = o->if_contains("type");
        if (!type || !type->is_string()) return std::nullopt;
        if (type->get_string() != "text") continue;
        auto* text = o->if_contains("text");
        if (!text || !text->is_string()) return std::nullopt;
        if (!first) out += '\n';
        out.append(text->get_string().data(), text->get_string().size());
        first = false;
    }
    return out;
}

reply bad(wire w, std::string msg) { return error(w, error_kind::bad_request, msg); }

}  // namespace

std::uint64_t fnv1a64(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::size_t count_words(std::string_view s) noexcept {
    std::size_t n = 0;
    bool in_word = false;
    for (char c : s) {
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (!space && !in_word) ++n;
        in_word = !space;
    }
    return n;
}

std::string utf8_prefix(std::string_view s, std::size_t n) {
    std::size_t i = 0, cps = 0;
    while (i < s.size() && cps < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
        if (i + len > s.size()) break;
        i += len;
        ++cps;
    }
    return std::string(s.substr(0, i));
}

std::optional<reply> check_auth(wire w, std::string_view authorization, std::string_view x_api_key,
                                std::string_view anthropic_version) {
    if (w == wire::openai) {
        auto a = trim(authorization);
        if (!iequals_prefix(a, "bearer ") || trim(a.substr(7)).empty())
            return error(w, error_kind::unauthorized,
                         "Incorrect API key provided: expected an Authorization: Bearer <key> header.");
        return std::nullopt;
    }
    if (trim(x_api_key).empty())
        return error(w, error_kind::unauthorized, "x-api-key header is required");
    if (trim(anthropic_version).empty())
        return error(w, error_kind::bad_request, "anthropic-version: header is required");
    return std::nullopt;
}

std::variant<chat_request, reply> parse_request(wire w, std::string_view body) {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return bad(w, "The request body is not valid JSON.");
    auto* o = v.if_object();
    if (!o) return bad(w, "The request body must be a JSON object.");

    chat_request r;
    r.format = w;
    auto* model = o->if_contains("model");
    if (!model || !model->is_string() || model->get_string().empty())
        return bad(w, "model: a non-empty string is required");
    r.model = std::string(model->get_string());

    if (w == wire::anthropic) {
        auto* mt = o->if_contains("max_tokens");
        if (!mt || !mt->is_int64() || mt->get_int64() < 1)
            return bad(w, "max_tokens: a positive integer is required");
        if (auto* sys = o->if_contains("system"); sys && !sys->is_null()) {
            auto text = content_text(*sys);
            if (!text) return bad(w, "system: must be a string or an array of text blocks");
            r.prompt += "system: " + *text + "\n";
            r.prompt_words += count_words(*text);
        }
    } else if (auto* rf = o->if_contains("response_format"); rf && !rf->is_null()) {
        auto* rfo = rf->if_object();
        auto* type = rfo ? rfo->if_contains("type") : nullptr;
        if (!type || !type->is_string())
            return bad(w, "response_format: an object with a string \"type\" is required");
        if (type->get_string() == "json_object") r.json_wanted = true;
    }

    auto* messages = o->if_contains("messages");
    auto* arr = messages ? messages->if_array() : nullptr;
    if (!arr || arr->empty()) return bad(w, "messages: a non-empty array is required");
    for (std::size_t i = 0; i < arr->size(); ++i) {
        auto* m = (*arr)[i].if_object();
        auto at = "messages[" + std::to_string(i) + "]";
        if (!m) return bad(w, at + ": must be an object");
        auto* role = m->if_contains("role");
        if (!role || !role->is_string() || role->get_string().empty())
            return bad(w, at + ".role: a non-empty string is required");
        auto* content = m->if_contains("content");
        auto text = content ? content_text(*content) : std::nullopt;
        if (!text) return bad(w, at + ".content: must be a string or an array of text blocks");
        std::string_view role_s(role->get_string().data(), role->get_string().size());
        r.prompt.append(role_s).append(": ").append(*text).append("\n");
        r.prompt_words += count_words(*text);
        if (role_s == "user") r.last_user = *text;
    }
    if (r.prompt.find("[json]") != std::string::npos) r.json_wanted = true;
    return r;
}

std::string answer_text(const chat_request& r, bool invalid_json) {
    auto head = utf8_prefix(r.last_user, 60);
    if (!r.json_wanted) return "stub answer to: " + head;
    if (invalid_json) return "not json {\"decision\": \"approve\", " + head;
    static constexpr const char* kDecisions[] = {"approve", "reject", "abstain"};
    std::uint64_t h = fnv1a64(r.prompt);
    char conf[16];
    std::snprintf(conf, sizeof conf, "0.%02u", static_cast<unsigned>(50 + (h >> 8) % 50));
    std::string out = "{\"decision\":\"";
    out += kDecisions[h % 3];
    out += "\",\"confidence\":";
    out += conf;
    out += ",\"rationale\":";
    out += json::serialize(json::string("stub rationale for: " + head));
    out += '}';
    return out;
}

reply success(const chat_request& r, bool invalid_json) {
    std::string text = answer_text(r, invalid_json);
    auto prompt_tokens = static_cast<std::int64_t>(r.prompt_words);
    auto completion_tokens = static_cast<std::int64_t>(count_words(text));
    std::string id = hex16(fnv1a64(r.model + "\n" + r.prompt + "\n" + text));
    reply out;
    if (r.format == wire::openai) {
        json::object msg{{"role", "assistant"}, {"content", text}};
        json::object choice{{"index", 0}, {"message", std::move(msg)}, {"finish_reason", "stop"}};
        json::object body{
            {"id", "chatcmpl-" + id},
            {"object", "chat.completion"},
            {"created", kCreated},
            {"model", r.model},
            {"choices", json::array{std::move(choice)}},
            {"usage", json::object{{"prompt_tokens", prompt_tokens},
                                   {"completion_tokens", completion_tokens},
                                   {"total_tokens", prompt_tokens + completion_tokens}}},
        };
        out.body = json::serialize(body);
    } else {
        json::object block{{"type", "text"}, {"text", text}};
        json::object body{
            {"id", "msg_" + id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", r.model},
            {"content", json::array{std::move(block)}},
            {"stop_reason", "end_turn"},
            {"usage", json::object{{"input_tokens", prompt_tokens}, {"output_tokens", completion_tokens}}},
        };
        out.body = json::serialize(body);
    }
    return out;
}

reply error(wire w, error_kind k, std::string_view message, int retry_after_s) {
    reply out;
    const char* oa_type = "invalid_request_error";
    json::value oa_code = nullptr;
    const char* an_type = "invalid_request_error";
    switch (k) {
        case error_kind::bad_request: out.status = 400; break;
        case error_kind::unauthorized:
            out.status = 401;
            oa_code = "invalid_api_key";
            an_type = "authentication_error";
            break;
        case error_kind::not_found:
            out.status = 404;
            oa_code = "unknown_url";
            an_type = "not_found_error";
            break;
        case error_kind::method_not_allowed:
            out.status = 405;
            oa_code = "method_not_allowed";
            break;
        case error_kind::server_error:
            out.status = 500;
            oa_type = "server_error";
            an_type = "api_error";
            break;
        case error_kind::rate_limited:
            out.status = 429;
            oa_type = "requests";
            oa_code = "rate_limit_exceeded";
            an_type = "rate_limit_error";
            out.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
            break;
    }
    if (w == wire::openai) {
        json::object err{{"message", message}, {"type", oa_type}, {"param", nullptr}, {"code", oa_code}};
        out.body = json::serialize(json::object{{"error", std::move(err)}});
    } else {
        json::object err{{"type", an_type}, {"message", message}};
        out.body = json::serialize(json::object{{"type", "error"}, {"error", std::move(err)}});
    }
    return out;
}

}  // namespace llm_stub
