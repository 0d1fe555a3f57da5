#include "control.hpp"

#include <boost/json.hpp>

namespace json = boost::json;

namespace llm_stub {

namespace {

constexpr std::pair<mode, const char*> kModes[] = {
    {mode::ok, "ok"},           {mode::latency, "latency"},           {mode::error500, "error500"},
    {mode::ratelimit, "ratelimit"}, {mode::hang, "hang"},           {mode::invalid_json, "invalid_json"},
    {mode::truncated, "truncated"},
};

constexpr std::int64_t kMaxMs = 3'600'000;  // one hour: enough for any test

// Read an optional non-negative integer field in [0, hi].
std::optional<std::string> read_int(const json::object& o, std::string_view key, std::int64_t hi,
                                    std::optional<std::int64_t>& out) {
    auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!v->is_int64() && !v->is_uint64())
        return std::string(key) + ": an integer is required";
    std::int64_t x = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
    if (x < 0 || x > hi) return std::string(key) + ": out of range 0.." + std::to_string(hi);
    out = x;
    return std::nullopt;
}

// Read {mode?, latency_ms?, retry_after?} over `base`.
std::optional<std::string> read_fault(const json::object& o, fault& f) {
    if (auto* m = o.if_contains("mode")) {
        auto* s = m->if_string();
        auto parsed = s ? parse_mode(std::string_view(s->data(), s->size())) : std::nullopt;
        if (!parsed)
            return std::string("mode: one of ok, latency, error500, ratelimit, hang, invalid_json, truncated");
        f.m = *parsed;
    }
    std::optional<std::int64_t> latency, retry;
    if (auto e = read_int(o, "latency_ms", kMaxMs, latency)) return e;
    if (auto e = read_int(o, "retry_after", 86400, retry)) return e;
    if (latency) f.latency_ms = static_cast<int>(*latency);
    if (retry) f.retry_after = static_cast<int>(*retry);
    return std::nullopt;
}

json::object fault_json(const fault& f) {
    return json::object{{"mode", mode_name(f.m)}, {"latency_ms", f.latency_ms}, {"retry_after", f.retry_after}};
}

}  // namespace

std::optional<mode> parse_mode(std::string_view s) noexcept {
    for (auto& [m, name] : kModes)
        if (s == name) return m;
    return std::nullopt;
}

const char* mode_name(mode m) noexcept {
    for (auto& [mm, name] : kModes)
        if (mm == m) return name;
    return "ok";
}

fault controller::decide(std::string_view model) {
    std::lock_guard lock(mu_);
    if (auto it = models_.find(model); it != models_.end()) return it->second;
    fault f = global_;
    if (fail_next_ > 0 && --fail_next_ == 0) global_.m = mode::ok;
    return f;
}

void controller::count_path(std::string_view path) {
    std::lock_guard lock(mu_);
    ++total_;
    auto it = by_path_.find(path);
    if (it == by_path_.end()) it = by_path_.emplace(std::string(path), 0).first;
    ++it->second;
}

void controller::count_outcome(std::string_view outcome) {
    std::lock_guard lock(mu_);
    auto it = by_outcome_.find(outcome);
    if (it == by_outcome_.end()) it = by_outcome_.emplace(std::string(outcome), 0).first;
    ++it->second;
}

std::optional<std::string> controller::apply(std::string_view body) {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return std::string("the body is not valid JSON");
    auto* o = v.if_object();
    if (!o) return std::string("the body must be a JSON object");
    for (auto& kv : *o) {
        auto k = kv.key();
        if (k != "mode" && k != "latency_ms" && k != "retry_after" && k != "fail_next" && k != "models" &&
            k != "reset_counters")
            return "unknown field: " + std::string(k);
    }

    std::lock_guard lock(mu_);
    fault g = global_;
    if (auto e = read_fault(*o, g)) return e;
    std::optional<std::int64_t> fail_next;
    if (auto e = read_int(*o, "fail_next", 1'000'000'000, fail_next)) return e;
    bool reset = false;
    if (auto* r = o->if_contains("reset_counters")) {
        if (!r->is_bool()) return std::string("reset_counters: a boolean is required");
        reset = r->get_bool();
    }
    // "models": {name: {mode?, latency_ms?, retry_after?} | null}. A null
    // removes that model's override; {} as the whole value removes all.
    std::optional<std::map<std::string, fault, std::less<>>> models;
    if (auto* m = o->if_contains("models")) {
        auto* mo = m->if_object();
        if (!mo) return std::string("models: an object is required");
        models = mo->empty() ? decltype(models_){} : models_;
        for (auto& kv : *mo) {
            std::string name(kv.key());
            if (kv.value().is_null()) {
                models->erase(name);
                continue;
            }
            auto* fo = kv.value().if_object();
            if (!fo) return "models." + name + ": an object or null is required";
            for (auto& fkv : *fo)
                if (fkv.key() != "mode" && fkv.key() != "latency_ms" && fkv.key() != "retry_after")
                    return "models." + name + ": unknown field " + std::string(fkv.key());
            auto it = models->find(name);
            fault f = it != models->end() ? it->second : fault{mode::ok, 0, 1};
            if (auto e = read_fault(*fo, f)) return "models." + name + "." + *e;
            (*models)[name] = f;
        }
    }

    // Everything valid: apply.
    global_ = g;
    if (fail_next) fail_next_ = *fail_next;
    else if (o->contains("mode")) fail_next_ = 0;  // a new mode without fail_next is permanent
    if (models) models_ = std::move(*models);
    if (reset) {
        total_ = 0;
        by_path_.clear();
        by_outcome_.clear();
    }
    return std::nullopt;
}

json::value controller::snapshot() const {
    std::lock_guard lock(mu_);
    json::object models;
    for (auto& [name, f] : models_) models[name] = fault_json(f);
    json::object paths, outcomes;
    for (auto& [k, n] : by_path_) paths[k] = n;
    for (auto& [k, n] : by_outcome_) outcomes[k] = n;
    json::object out = fault_json(global_);
    out["fail_next"] = fail_next_;
    out["models"] = std::move(models);
    out["counters"] = json::object{{"requests_total", total_}, {"by_path", std::move(paths)},
                                   {"by_outcome", std::move(outcomes)}};
    return out;
}

}  // namespace llm_stub
