#pragma once
// Provider names and the wire format each speaks. openai_compat, ollama and
// vllm are OpenAI chat-completions servers at their own base_url; only
// anthropic has a format of its own.

#include <optional>
#include <string_view>

namespace delta::llm {

enum class wire_format { openai, anthropic };

// nullopt for a name that is not one of: openai, openai_compat, ollama,
// vllm, anthropic (exact, case-sensitive: names come from our own tables).
std::optional<wire_format> wire_format_of(std::string_view provider);

}  // namespace delta::llm
