#pragma once
// The admin side of the gateway, pure: checking an update to a route, a
// fallback chain or the evaluators before it is stored, and converting
// between the protocol's views and storage rows. A view never carries a key.

#include "actors/llm/key_vault.hpp"
#include "protocol/llm.hpp"
#include "storage/llm_repository.hpp"

#include <optional>
#include <string>
#include <vector>

namespace delta::llm {

struct config_problem {
  std::string field;    // e.g. "base_url", "fallbacks[1].provider"
  std::string problem;  // client-safe: never echoes a key
};

// The first problem of an endpoint's settings, prefixed with `where`
// ("" for a route's own fields). A key is either a literal api_key (sealed
// at rest; needs a configured vault) or an api_key_env reference, not both.
std::optional<config_problem> check_endpoint(const protocol::llm_endpoint_config& e,
                                             const std::string& where, const key_vault& vault);
std::optional<config_problem> check_route(const protocol::llm_route_config& r, const key_vault& vault);
std::optional<config_problem> check_fallbacks(const protocol::llm_endpoint_list& chain,
                                              const key_vault& vault);
std::optional<config_problem> check_evaluators(const protocol::llm_evaluator_list& list,
                                               const key_vault& vault);

// Literal keys are sealed here; nothing else of a key reaches a row.
storage::llm::route_row to_row(const protocol::llm_route_config& r, const key_vault& vault);
std::vector<storage::llm::fallback_row> to_rows(const std::string& use_case,
                                                const protocol::llm_endpoint_list& chain,
                                                const key_vault& vault);
std::vector<storage::llm::evaluator_row> to_rows(const protocol::llm_evaluator_list& list,
                                                 const key_vault& vault);

protocol::llm_route_config to_view(const storage::llm::route_row& r);
protocol::llm_endpoint_list to_view(const std::vector<storage::llm::fallback_row>& rows);
protocol::llm_evaluator_list to_view(const std::vector<storage::llm::evaluator_row>& rows);

}  // namespace delta::llm
