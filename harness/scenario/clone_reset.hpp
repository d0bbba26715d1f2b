// `reset: clone`: every start from `pristine` is a new clone of the suite's template
// (TemplateSource: made once after provisioning, or found in the boot cache), ready in
// milliseconds instead of a boot; the last clone is thrown away. A kept end state is an
// internal snapshot in the clone that reached it, which lives on while a chained scenario
// still needs it. With `hurdle run -j N` each lane has a CloneReset of its own over one
// TemplateSource.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "scenario/reset_strategy.hpp"
#include "scenario/template_source.hpp"

namespace hurdle {

class CloneReset : public ResetStrategy {
 public:
  // `prepares`: this lane's prepare() makes (or opens) the template; the other lanes' only
  // forget their clones. `options`: the clones' (this lane's logs).
  CloneReset(std::shared_ptr<TemplateSource> source, MachineOptions options, bool prepares);
  ~CloneReset() override;

  [[nodiscard]] Suite::Reset mode() const override { return Suite::Reset::kClone; }
  void prepare() override;
  StartedMachine start(const std::string& tag) override;
  void roll_back(const std::string& tag) override;
  void keep(const std::string& tag) override;
  void drop(const std::string& tag) override;
  [[nodiscard]] bool holds(const std::string& tag) const override { return held_.count(tag) > 0; }
  [[nodiscard]] Machine* machine() override { return current_.get(); }
  void crash() override;

  [[nodiscard]] TemplateSource& source() { return *source_; }

 private:
  std::shared_ptr<TemplateSource> source_;
  MachineOptions options_;
  bool prepares_;
  std::mutex mutex_;  // guards current_ and held_ against crash()
  std::shared_ptr<Machine> current_;
  std::map<std::string, std::shared_ptr<Machine>> held_;  // end state -> the clone in it
  std::map<const Machine*, std::string> untouched_;       // clone -> the state it is still in
};

}  // namespace hurdle
