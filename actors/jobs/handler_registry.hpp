#pragma once
// Job kinds registered by name (the Envoy way: the core never lists them).
// The dispatcher asks the registry for a handler per attempt; a job whose
// kind is not registered on this node fails as not retryable.

#include "actors/jobs/handler.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace delta::jobs {

class handler_registry {
 public:
  using factory = std::function<std::unique_ptr<job_handler>()>;

  // Throws std::invalid_argument for a malformed kind name (the jobs table's
  // rule: [a-z][a-z0-9_.]{0,63}) or a kind registered twice.
  void add(const std::string& kind, factory make);

  // A new handler for one attempt; nullptr for an unknown kind.
  std::unique_ptr<job_handler> make(std::string_view kind) const;

  bool has(std::string_view kind) const;
  std::vector<std::string> kinds() const;  // sorted

  static bool valid_kind(std::string_view kind);

 private:
  std::map<std::string, factory, std::less<>> factories_;
};

// A handler that finishes inside start(): `run` calls ctx.succeed or ctx.fail.
handler_registry::factory synchronous(std::function<void(job_context&)> run);

}  // namespace delta::jobs
