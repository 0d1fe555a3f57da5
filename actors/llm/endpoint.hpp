#pragma once
// One provider endpoint: the unit a breaker guards and a fallback chain lists.
// Two rows naming the same provider, model and base_url are the same endpoint
// (they share one breaker), whatever use case they serve.

#include <string>

namespace delta::llm {

struct endpoint {
  std::string provider;  // openai, openai_compat, ollama, vllm, anthropic
  std::string model;
  std::string base_url;  // e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1

  // The breaker entity key: "provider|base_url|model". '|' cannot occur in a
  // provider name and is not expected in a URL, so keys do not collide.
  std::string key() const { return provider + '|' + base_url + '|' + model; }

  friend bool operator==(const endpoint&, const endpoint&) = default;
};

}  // namespace delta::llm
