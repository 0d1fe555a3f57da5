#pragma once
// The evaluate stage's prompt and the decision it reads back. Pure.
//
// The gateway (use case signal_evaluate) validates every answer against the
// decision schema {"decision": "approve|reject|abstain", "confidence": 0..1,
// "rationale": string} before it answers, so read_decision only extracts.

#include <optional>
#include <string>
#include <vector>

namespace delta::signals {

struct signal_facts {
  std::string event_id;
  std::string symbol;
  std::string side;
  std::optional<double> price;
  std::string strategy;
  std::string profile;
  std::string features_json;  // a JSON object
  std::vector<std::string> quality_flags;
};

struct evaluation_prompt {
  std::string system;
  std::string user;
};

evaluation_prompt make_evaluation_prompt(const signal_facts& facts);

struct decision {
  std::string verdict;  // approve | reject | abstain
  double confidence = 0;
  std::string rationale;
};

// nullopt when the text is not a decision object.
std::optional<decision> read_decision(const std::string& text);

}  // namespace delta::signals
