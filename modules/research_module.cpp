// Research: the research_report job kind, written through the LLM gateway's
// report_generate use case (its route is among the jobs routes). Files:
// actors/research/.
#include "modules/module.hpp"

#include "actors/research/research_report.hpp"

namespace delta::modules {

namespace {

class research_module : public module {
 public:
  std::string_view name() const override { return "research"; }
  void add_job_kinds(node_context& ctx) const override {
    research::add_research_report_kind(*ctx.job_kinds, ctx.services.slot(protocol::llm_service));
  }
};

}  // namespace

std::unique_ptr<module> make_research_module() { return std::make_unique<research_module>(); }

}  // namespace delta::modules
