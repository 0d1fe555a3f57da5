#include "actors/llm/provider.hpp"

namespace delta::llm {

std::optional<wire_format> wire_format_of(std::string_view provider) {
  if (provider == "openai" || provider == "openai_compat" || provider == "ollama" ||
      provider == "vllm")
    return wire_format::openai;
  if (provider == "anthropic") return wire_format::anthropic;
  return std::nullopt;
}

}  // namespace delta::llm
