#pragma once
// The gateway's in-memory view of the LLM tables (llm_model_routing,
// llm_fallback_chain, llm_evaluators, llm_prices), rebuilt whenever their
// config version changes. Pure: rows and a key resolver in, lookups out.
//
// A table is immutable once built and shared by pointer, so a call keeps the
// table it started with while a reload swaps in the next one.

#include "actors/llm/base_url.hpp"
#include "actors/llm/cost.hpp"
#include "actors/llm/endpoint.hpp"
#include "actors/llm/provider.hpp"
#include "actors/llm/use_case.hpp"
#include "storage/llm_repository.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace delta::llm {

// Everything needed to call one endpoint.
struct endpoint_target {
  endpoint id;  // the breaker key's parts
  wire_format format = wire_format::openai;
  parsed_base_url url;
  std::string api_key;  // resolved; empty: no key (keyless local servers)
};

struct route_plan {
  use_case which = use_case::explain;
  std::vector<endpoint_target> chain;  // the route's endpoint, then its fallbacks (no repeats)
  int max_tokens = 4096;
  double temperature = 0.7;
  std::chrono::seconds timeout{120};  // per provider call
  bool json_output = false;
};

struct evaluator_plan {
  std::string name;
  endpoint_target target;
  int max_tokens = 1024;
  std::chrono::seconds timeout{60};
};

// Resolves a row's key to the key itself: from the environment variable it
// names, or by opening its sealed key ("" when none is configured, the
// variable is unset, or the sealed key cannot be opened).
using key_resolver = std::function<std::string(const std::string& api_key_env, const std::string& api_key_sealed)>;

class routing_table {
 public:
  struct rows {
    std::vector<storage::llm::route_row> routes;
    std::vector<storage::llm::fallback_row> fallbacks;
    std::vector<storage::llm::evaluator_row> evaluators;
    std::vector<storage::llm::price_row> prices;
  };

  // Rows that cannot be used (an unparsable base_url, an unknown provider or
  // use case) are left out and described in problems(), for the log; the
  // database's CHECKs make that rare, but a table is never rejected whole.
  static std::shared_ptr<const routing_table> build(const rows& r, const key_resolver& keys);

  // The active route of a use case; nullptr when there is none.
  const route_plan* route(use_case u) const;
  // An active evaluator by name; nullptr when there is none.
  const evaluator_plan* evaluator(const std::string& name) const;
  const std::vector<evaluator_plan>& evaluators() const { return evaluators_; }
  // Every distinct endpoint named anywhere, in first-seen order (routes by
  // use case, their fallbacks, then evaluators): the breakers to show.
  const std::vector<endpoint>& endpoints() const { return endpoints_; }
  const price_table& prices() const { return prices_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::optional<endpoint_target> target_of(const std::string& provider, const std::string& model,
                                           const std::string& base_url, const std::string& key_env,
                                           const std::string& sealed, const key_resolver& keys,
                                           const std::string& where);
  void note_endpoint(const endpoint& e);

  std::map<use_case, route_plan> routes_;
  std::vector<evaluator_plan> evaluators_;
  std::vector<endpoint> endpoints_;
  price_table prices_;
  std::vector<std::string> problems_;
};

}  // namespace delta::llm
