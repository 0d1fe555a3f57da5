#include "actors/llm/routing_table.hpp"

#include <algorithm>

namespace delta::llm {

std::optional<endpoint_target> routing_table::target_of(const std::string& provider,
                                                        const std::string& model,
                                                        const std::string& base_url,
                                                        const std::string& key_env,
                                                        const std::string& sealed,
                                                        const key_resolver& keys,
                                                        const std::string& where) {
  auto format = wire_format_of(provider);
  if (!format) {
    problems_.push_back(where + ": unknown provider '" + provider + "'");
    return std::nullopt;
  }
  std::string why;
  auto url = parse_base_url(base_url, &why);
  if (!url) {
    problems_.push_back(where + ": base_url " + why);
    return std::nullopt;
  }
  auto key = key_env.empty() && sealed.empty() ? std::string{} : keys(key_env, sealed);
  if (!sealed.empty() && key.empty()) problems_.push_back(where + ": its sealed api_key cannot be opened with this node's llm.key_encryption_key");
  return endpoint_target{{provider, model, base_url}, *format, *url, std::move(key)};
}

void routing_table::note_endpoint(const endpoint& e) {
  if (std::find(endpoints_.begin(), endpoints_.end(), e) == endpoints_.end()) endpoints_.push_back(e);
}

std::shared_ptr<const routing_table> routing_table::build(const rows& r, const key_resolver& keys) {
  auto t = std::make_shared<routing_table>();
  for (auto& row : r.routes) {
    auto which = parse_use_case(row.use_case);
    if (!which) {
      t->problems_.push_back("route '" + row.use_case + "': unknown use case");
      continue;
    }
    if (!row.active) continue;
    auto where = "route " + row.use_case;
    auto primary =
        t->target_of(row.provider, row.model, row.base_url, row.api_key_env, row.api_key_sealed, keys, where);
    route_plan plan{*which, {}, row.max_tokens, row.temperature,
                    std::chrono::seconds(row.timeout_seconds), row.json_output};
    if (primary) plan.chain.push_back(std::move(*primary));
    for (auto& f : r.fallbacks) {
      if (f.use_case != row.use_case) continue;
      auto fb = t->target_of(f.provider, f.model, f.base_url, f.api_key_env, f.api_key_sealed, keys,
                             where + " fallback " + std::to_string(f.priority));
      if (!fb) continue;
      // Repeats would only repeat a failure; retries are the retry policy's.
      bool seen = std::any_of(plan.chain.begin(), plan.chain.end(),
                              [&](const endpoint_target& x) { return x.id == fb->id; });
      if (!seen) plan.chain.push_back(std::move(*fb));
    }
    for (auto& target : plan.chain) t->note_endpoint(target.id);
    t->routes_[*which] = std::move(plan);
  }
  for (auto& e : r.evaluators) {
    if (!e.active) continue;
    auto target = t->target_of(e.provider, e.model, e.base_url, e.api_key_env, e.api_key_sealed, keys,
                               "evaluator " + e.name);
    if (!target) continue;
    t->note_endpoint(target->id);
    t->evaluators_.push_back({e.name, std::move(*target), e.max_tokens, std::chrono::seconds(e.timeout_seconds)});
  }
  for (auto& p : r.prices)
    if (!t->prices_.set(p.provider, p.model, {p.input_per_million, p.output_per_million}))
      t->problems_.push_back("price " + p.provider + "/" + p.model + ": refused");
  return t;
}

const route_plan* routing_table::route(use_case u) const {
  auto it = routes_.find(u);
  return it == routes_.end() || it->second.chain.empty() ? nullptr : &it->second;
}

const evaluator_plan* routing_table::evaluator(const std::string& name) const {
  for (auto& e : evaluators_)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace delta::llm
