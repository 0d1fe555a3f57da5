#include "actors/jobs/handler_registry.hpp"

#include <stdexcept>

namespace delta::jobs {

namespace {

class function_handler final : public job_handler {
 public:
  explicit function_handler(std::function<void(job_context&)> run) : run_(std::move(run)) {}
  void start(job_context& ctx) override { run_(ctx); }

 private:
  std::function<void(job_context&)> run_;
};

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool handler_registry::valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 64 || !(kind[0] >= 'a' && kind[0] <= 'z')) return false;
  for (char c : kind)
    if (!is_lower_alnum(c) && c != '_' && c != '.') return false;
  return true;
}

void handler_registry::add(const std::string& kind, factory make) {
  if (!valid_kind(kind)) throw std::invalid_argument{"invalid job kind name: " + kind};
  if (!factories_.emplace(kind, std::move(make)).second)
    throw std::invalid_argument{"job kind registered twice: " + kind};
}

std::unique_ptr<job_handler> handler_registry::make(std::string_view kind) const {
  auto it = factories_.find(kind);
  return it == factories_.end() ? nullptr : it->second();
}

bool handler_registry::has(std::string_view kind) const { return factories_.find(kind) != factories_.end(); }

std::vector<std::string> handler_registry::kinds() const {
  std::vector<std::string> out;
  for (auto& [kind, make] : factories_) out.push_back(kind);
  return out;
}

handler_registry::factory synchronous(std::function<void(job_context&)> run) {
  return [run = std::move(run)] { return std::make_unique<function_handler>(run); };
}

}  // namespace delta::jobs
