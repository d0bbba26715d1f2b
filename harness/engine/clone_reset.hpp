// `reset: clone`: every start from `pristine` is a new clone of the suite's template
// (TemplateSource: made once after provisioning, or found in the boot cache), ready in
// milliseconds instead of a boot; the last clone is thrown away. The next clone is started in
// the background as soon as one is taken (a spare: QEMU up, state loaded, the guest proven
// alive), so that the next start only swaps it in. Each clone logs in a folder of its own
// (LANE/clone-N/). A kept end state is an internal snapshot in the clone that reached it,
// which lives on while a chained scenario still needs it. With `hurdle run -j N` each lane has
// a CloneReset of its own over one TemplateSource.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/reset_strategy.hpp"
#include "engine/template_source.hpp"

namespace hurdle {

class CloneReset : public ResetStrategy {
 public:
  // `prepares`: this lane's prepare() makes (or opens) the template; the other lanes' only
  // forget their clones. `options`: the clones' (this lane's logs).
  // `spare`: keep the next clone ready in the background.
  CloneReset(std::shared_ptr<TemplateSource> source, MachineOptions options, bool prepares,
             bool spare = true);
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
  // The options of the next clone: its own log folder in the lane's.
  MachineOptions next_options();
  void start_spare();
  // The spare when it is ready and running (waiting for it if it is being made); else null.
  std::shared_ptr<Machine> take_spare();
  void discard_spare();

  std::shared_ptr<TemplateSource> source_;
  MachineOptions options_;
  bool prepares_;
  bool use_spare_;
  std::size_t clones_ = 0;
  std::future<std::unique_ptr<Machine>> spare_;
  std::mutex mutex_;  // guards current_ and held_ against crash()
  std::shared_ptr<Machine> current_;
  std::map<std::string, std::shared_ptr<Machine>> held_;  // end state -> the clone in it
  std::map<const Machine*, std::string> untouched_;       // clone -> the state it is still in
};

}  // namespace hurdle
