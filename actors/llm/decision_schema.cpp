#include "actors/llm/decision_schema.hpp"

#include <cmath>

#include "actors/llm/untrusted_json.hpp"

namespace delta::llm {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

decision_check invalid(std::string reason) { return {std::nullopt, std::move(reason)}; }

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string_view to_string(decision_kind d) {
  switch (d) {
    case decision_kind::approve: return "approve";
    case decision_kind::reject: return "reject";
    case decision_kind::abstain: return "abstain";
  }
  return "unknown";
}

std::optional<std::string_view> strip_json_fence(std::string_view out) {
  out = trim(out);
  if (!out.starts_with("```")) return out;
  out.remove_prefix(3);
  // The info string: nothing or "json" (any case), then the end of the line.
  auto eol = out.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  auto info = trim(out.substr(0, eol));
  if (!info.empty()) {
    if (info.size() != 4) return std::nullopt;
    for (std::size_t i = 0; i < 4; ++i)
      if ((info[i] | 0x20) != "json"[i]) return std::nullopt;
  }
  out.remove_prefix(eol + 1);
  if (!out.ends_with("```")) return std::nullopt;
  out.remove_suffix(3);
  auto inner = trim(out);
  if (inner.find("```") != std::string_view::npos) return std::nullopt;  // two fences: prose between
  return inner;
}

decision_check validate_decision(std::string_view model_output) {
  auto text = strip_json_fence(model_output);
  if (!text) return invalid("unclosed code fence or text around it");
  std::string why;
  auto v = untrusted_json::parse(*text, &why);
  if (!v) return invalid(why);
  const auto* o = v->if_object();
  if (!o) return invalid("not a JSON object");
  // {"decision":"approve","decision":"reject"} parses as "reject": refuse
  // the ambiguity rather than guess which one the model meant.
  if (untrusted_json::written_member_count(*text) != o->size()) return invalid("duplicate key");
  // Extra keys are rejected, not ignored: a model that adds fields is not
  // following the schema, and what it added may be what it meant (e.g. a
  // second "decision"-like field). Strictness keeps recorded decisions honest.
  for (const auto& kv : *o) {
    auto k = kv.key();
    if (k != "decision" && k != "confidence" && k != "rationale")
      return invalid("unexpected key \"" + untrusted_json::log_excerpt({k.data(), k.size()}, 40) + "\"");
  }

  decision d;
  auto kind = untrusted_json::string_at(*v, "decision");
  if (!kind) return invalid("decision missing or not a string");
  if (*kind == "approve") d.kind = decision_kind::approve;
  else if (*kind == "reject") d.kind = decision_kind::reject;
  else if (*kind == "abstain") d.kind = decision_kind::abstain;
  else return invalid("decision must be approve, reject or abstain");

  const auto* c = o->if_contains("confidence");
  if (!c) return invalid("confidence missing");
  if (const auto* i = c->if_int64()) d.confidence = static_cast<double>(*i);
  else if (const auto* u = c->if_uint64()) d.confidence = static_cast<double>(*u);
  else if (const auto* x = c->if_double()) d.confidence = *x;
  else return invalid("confidence is not a number");
  if (!std::isfinite(d.confidence) || d.confidence < 0.0 || d.confidence > 1.0)
    return invalid("confidence outside [0, 1]");

  auto rationale = untrusted_json::string_at(*v, "rationale");
  if (!rationale) return invalid("rationale missing or not a string");
  if (trim(*rationale).empty()) return invalid("rationale is empty");
  if (code_points(*rationale) > max_rationale_chars) return invalid("rationale too long");
  d.rationale.assign(*rationale);
  return {std::move(d), {}};
}

}  // namespace delta::llm
