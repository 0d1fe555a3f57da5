#include "actors/llm/gateway_admin.hpp"

#include "actors/llm/base_url.hpp"
#include "actors/llm/provider.hpp"
#include "actors/llm/wire_request.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace delta::llm {

namespace {

bool valid_env_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(std::isupper(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isupper(c) || std::isdigit(c) || c == '_';
  });
}

bool valid_model(const std::string& model) {
  if (model.empty() || model.size() > 200) return false;
  return std::none_of(model.begin(), model.end(),
                      [](unsigned char c) { return c == '|' || c < 0x20 || c == 0x7f; });
}

config_problem at(const std::string& where, const std::string& field, std::string problem) {
  return {where.empty() ? field : where + "." + field, std::move(problem)};
}

std::string key_env_of(const protocol::llm_endpoint_config& e) {
  return e.api_key_env ? *e.api_key_env : std::string{};
}

std::string sealed_of(const protocol::llm_endpoint_config& e, const key_vault& vault) {
  return e.api_key ? vault.seal(*e.api_key) : std::string{};
}

protocol::llm_endpoint_config endpoint_view(const std::string& provider, const std::string& model,
                                            const std::string& base_url, const std::string& key_env,
                                            const std::string& sealed) {
  protocol::llm_endpoint_config e;
  e.provider = provider;
  e.model = model;
  e.base_url = base_url;
  if (!key_env.empty()) e.api_key_env = key_env;
  // A reference counts only if this node's environment has the variable.
  e.api_key_configured = !sealed.empty() || (!key_env.empty() && std::getenv(key_env.c_str()) != nullptr &&
                                             *std::getenv(key_env.c_str()) != '\0');
  return e;
}

}  // namespace

std::optional<config_problem> check_endpoint(const protocol::llm_endpoint_config& e,
                                             const std::string& where, const key_vault& vault) {
  if (!wire_format_of(e.provider))
    return at(where, "provider", "must be one of openai, openai_compat, ollama, vllm, anthropic");
  if (!valid_model(e.model))
    return at(where, "model", "must be 1 to 200 characters without '|' or control characters");
  std::string why;
  if (e.base_url.size() > 500 || e.base_url.find('|') != std::string::npos ||
      !parse_base_url(e.base_url, &why))
    return at(where, "base_url", why.empty() ? "must be an http or https URL of at most 500 characters" : why);
  if (e.api_key && e.api_key_env) return at(where, "api_key", "give api_key or api_key_env, not both");
  if (e.api_key && !is_valid_api_key(*e.api_key))
    return at(where, "api_key", "must be printable ASCII without spaces");
  if (e.api_key && !vault.configured())
    return at(where, "api_key",
              "this node cannot store keys (llm.key_encryption_key is not set): configure it, or put "
              "the key in an environment variable of deltad and name it in api_key_env");
  if (e.api_key_env && !e.api_key_env->empty() && !valid_env_name(*e.api_key_env))
    return at(where, "api_key_env", "must be an environment variable name: A-Z, 0-9, _ (at most 64)");
  return std::nullopt;
}

std::optional<config_problem> check_route(const protocol::llm_route_config& r, const key_vault& vault) {
  if (auto p = check_endpoint(r.endpoint, "", vault)) return p;
  if (r.max_tokens < 1 || r.max_tokens > 1000000) return config_problem{"max_tokens", "must be 1..1000000"};
  if (!(r.temperature >= 0 && r.temperature <= 2)) return config_problem{"temperature", "must be 0..2"};
  if (r.timeout_seconds < 1 || r.timeout_seconds > 600)
    return config_problem{"timeout_seconds", "must be 1..600"};
  return std::nullopt;
}

std::optional<config_problem> check_fallbacks(const protocol::llm_endpoint_list& chain,
                                              const key_vault& vault) {
  if (chain.size() > 100) return config_problem{"fallbacks", "at most 100 entries"};
  for (std::size_t i = 0; i < chain.size(); ++i)
    if (auto p = check_endpoint(chain[i], "fallbacks[" + std::to_string(i) + "]", vault)) return p;
  return std::nullopt;
}

std::optional<config_problem> check_evaluators(const protocol::llm_evaluator_list& list,
                                               const key_vault& vault) {
  if (list.size() > 50) return config_problem{"evaluators", "at most 50 entries"};
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto where = "evaluators[" + std::to_string(i) + "]";
    auto& e = list[i];
    bool name_ok = !e.name.empty() && e.name.size() <= 64 &&
                   std::isalnum(static_cast<unsigned char>(e.name[0])) &&
                   std::all_of(e.name.begin(), e.name.end(), [](unsigned char c) {
                     return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
                   });
    if (!name_ok) return at(where, "name", "must be 1..64 of A-Z a-z 0-9 . _ : - starting with a letter or digit");
    if (!names.insert(e.name).second) return at(where, "name", "is used twice");
    if (auto p = check_endpoint(e.endpoint, where, vault)) return p;
    if (e.max_tokens < 1 || e.max_tokens > 1000000) return at(where, "max_tokens", "must be 1..1000000");
    if (e.timeout_seconds < 1 || e.timeout_seconds > 600) return at(where, "timeout_seconds", "must be 1..600");
  }
  return std::nullopt;
}

storage::llm::route_row to_row(const protocol::llm_route_config& r, const key_vault& vault) {
  storage::llm::route_row row;
  row.use_case = r.use_case;
  row.provider = r.endpoint.provider;
  row.model = r.endpoint.model;
  row.base_url = r.endpoint.base_url;
  row.api_key_env = key_env_of(r.endpoint);
  row.api_key_sealed = sealed_of(r.endpoint, vault);
  row.max_tokens = r.max_tokens;
  row.temperature = r.temperature;
  row.timeout_seconds = r.timeout_seconds;
  row.json_output = r.json_output;
  row.active = r.active;
  return row;
}

std::vector<storage::llm::fallback_row> to_rows(const std::string& use_case,
                                                const protocol::llm_endpoint_list& chain,
                                                const key_vault& vault) {
  std::vector<storage::llm::fallback_row> rows;
  int priority = 1;
  for (auto& e : chain)
    rows.push_back({use_case, priority++, e.provider, e.model, e.base_url, key_env_of(e), sealed_of(e, vault)});
  return rows;
}

std::vector<storage::llm::evaluator_row> to_rows(const protocol::llm_evaluator_list& list,
                                                 const key_vault& vault) {
  std::vector<storage::llm::evaluator_row> rows;
  int position = 1;
  for (auto& e : list)
    rows.push_back({e.name, e.endpoint.provider, e.endpoint.model, e.endpoint.base_url,
                    key_env_of(e.endpoint), e.max_tokens, e.timeout_seconds, e.active, position++,
                    sealed_of(e.endpoint, vault)});
  return rows;
}

protocol::llm_route_config to_view(const storage::llm::route_row& r) {
  protocol::llm_route_config v;
  v.use_case = r.use_case;
  v.endpoint = endpoint_view(r.provider, r.model, r.base_url, r.api_key_env, r.api_key_sealed);
  v.max_tokens = r.max_tokens;
  v.temperature = r.temperature;
  v.timeout_seconds = r.timeout_seconds;
  v.json_output = r.json_output;
  v.active = r.active;
  v.updated_at = r.updated_at;
  return v;
}

protocol::llm_endpoint_list to_view(const std::vector<storage::llm::fallback_row>& rows) {
  protocol::llm_endpoint_list out;
  for (auto& f : rows)
    out.push_back(endpoint_view(f.provider, f.model, f.base_url, f.api_key_env, f.api_key_sealed));
  return out;
}

protocol::llm_evaluator_list to_view(const std::vector<storage::llm::evaluator_row>& rows) {
  protocol::llm_evaluator_list out;
  for (auto& e : rows)
    out.push_back({e.name, endpoint_view(e.provider, e.model, e.base_url, e.api_key_env, e.api_key_sealed),
                   e.max_tokens, e.timeout_seconds, e.active});
  return out;
}

}  // namespace delta::llm
