// The three reset strategies over a fake machine that writes what is done to it in a journal:
// which state a start restores, which it finds untouched, what a drop frees, which machine a
// chained scenario continues on, what a spare clone replaces. No QEMU: the bookkeeping alone
// (the runner's integration tests run them over real machines).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/clone_reset.hpp"
#include "engine/reboot_reset.hpp"
#include "engine/snapshot_reset.hpp"
#include "suite/step_names.hpp"

namespace {

using hurdle::kPristineTag;

// What happened to every fake machine of a test, in order ("#2 restore pristine").
class Journal {
 public:
  void add(const std::string& line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(line);
  }
  // The lines since the last call.
  std::vector<std::string> take() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out(lines_.begin() + static_cast<long>(taken_), lines_.end());
    taken_ = lines_.size();
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
  std::size_t taken_ = 0;
};

class FakeMachine {
 public:
  FakeMachine(Journal& journal, int id) : journal_(journal), id_(id) {
    journal_.add(label() + " up");
  }
  ~FakeMachine() { journal_.add(label() + " gone"); }
  FakeMachine(const FakeMachine&) = delete;
  FakeMachine& operator=(const FakeMachine&) = delete;

  void snapshot(const std::string& tag) { journal_.add(label() + " snapshot " + tag); }
  void restore(const std::string& tag) {
    if (fail_restores) throw hurdle::QmpError("restore " + tag + " failed");
    journal_.add(label() + " restore " + tag);
  }
  void delete_snapshot(const std::string& tag) { journal_.add(label() + " delete " + tag); }
  void note(const std::string& line) { journal_.add(label() + " note " + line); }
  void crash() {
    journal_.add(label() + " crash");
    alive = false;
  }
  [[nodiscard]] bool running() const { return alive; }

  [[nodiscard]] int id() const { return id_; }
  [[nodiscard]] std::string label() const { return "#" + std::to_string(id_); }

  std::atomic<bool> alive{true};
  bool fail_restores = false;

 private:
  Journal& journal_;
  int id_;
};

static_assert(hurdle::ResettableMachine<FakeMachine>);
static_assert(hurdle::ResettableMachine<hurdle::Machine>);

// Boots fake machines numbered from 1.
struct Boots {
  Journal& journal;
  int next = 1;
  hurdle::BasicResetStrategy<FakeMachine>::Boot boot() {
    return [this](const std::filesystem::path&) {
      journal.add("boot");
      return std::make_unique<FakeMachine>(journal, next++);
    };
  }
};

// A template the clones come from, numbered from 1; a clone can be made dead or failing on
// purpose by its number (spares are made on another thread: a number is what is certain).
class FakeSource {
 public:
  explicit FakeSource(Journal& journal) : journal_(journal) {}
  void prepare() { journal_.add("template made"); }
  std::unique_ptr<FakeMachine> clone(const hurdle::MachineOptions& options) {
    std::lock_guard lock(mutex_);
    const int id = next_++;
    if (failing_.count(id) > 0)
      throw hurdle::TemplateError("clone " + std::to_string(id) + " did not start");
    journal_.add("clone in " + options.log_dir.filename().string());
    auto m = std::make_unique<FakeMachine>(journal_, id);
    if (dead_.count(id) > 0) m->alive = false;
    return m;
  }
  void make_dead(int id) {
    std::lock_guard lock(mutex_);
    dead_.insert(id);
  }
  void make_fail(int id) {
    std::lock_guard lock(mutex_);
    failing_.insert(id);
  }

 private:
  Journal& journal_;
  std::mutex mutex_;
  int next_ = 1;
  std::set<int> dead_;
  std::set<int> failing_;
};

using Lines = std::vector<std::string>;
using SnapshotReset = hurdle::BasicSnapshotReset<FakeMachine>;
using RebootReset = hurdle::BasicRebootReset<FakeMachine>;
using CloneReset = hurdle::BasicCloneReset<FakeMachine, FakeSource>;

TEST(SnapshotReset, TheFirstStartFindsPristineUntouchedAndLaterOnesRestoreIt) {
  Journal journal;
  Boots boots{journal};
  SnapshotReset reset(boots.boot());
  reset.prepare();
  EXPECT_EQ(journal.take(), (Lines{"boot", "#1 up", "#1 snapshot pristine"}));

  auto first = reset.start(kPristineTag);
  EXPECT_FALSE(first.reset);
  EXPECT_EQ(first.how, "still in pristine");
  EXPECT_EQ(first.machine.id(), 1);
  EXPECT_TRUE(journal.take().empty());

  auto second = reset.start(kPristineTag);
  EXPECT_TRUE(second.reset);
  EXPECT_EQ(second.how, "a restore of pristine");
  EXPECT_EQ(journal.take(), (Lines{"#1 restore pristine"}));
}

TEST(SnapshotReset, ARollBackIsNotRestoredAgainByTheRetrysStart) {
  Journal journal;
  Boots boots{journal};
  SnapshotReset reset(boots.boot());
  reset.prepare();
  (void)reset.start(kPristineTag);
  journal.take();
  reset.roll_back(kPristineTag);
  EXPECT_EQ(journal.take(), (Lines{"#1 restore pristine"}));
  EXPECT_FALSE(reset.start(kPristineTag).reset);
  EXPECT_TRUE(journal.take().empty());
}

TEST(SnapshotReset, AKeptEndStateIsContinuedThenDroppedWithItsSnapshot) {
  Journal journal;
  Boots boots{journal};
  SnapshotReset reset(boots.boot());
  reset.prepare();
  (void)reset.start(kPristineTag);
  reset.keep("after-a");
  EXPECT_TRUE(reset.holds("after-a"));
  EXPECT_FALSE(reset.holds("after-b"));
  EXPECT_FALSE(reset.start("after-a").reset);  // the chained scenario runs next: untouched

  (void)reset.start(kPristineTag);
  auto again = reset.start("after-a");  // a second chained scenario after another one
  EXPECT_TRUE(again.reset);
  journal.take();
  reset.drop("after-a");
  reset.drop("after-a");  // a second drop of the same state does nothing
  reset.drop("never-kept");
  EXPECT_EQ(journal.take(), (Lines{"#1 delete after-a"}));
  EXPECT_FALSE(reset.holds("after-a"));
}

TEST(SnapshotReset, ARestoreThatFailsIsTheStartsErrorAndPrepareBootsAnew) {
  Journal journal;
  Boots boots{journal};
  SnapshotReset reset(boots.boot());
  reset.prepare();
  (void)reset.start(kPristineTag);
  reset.machine()->fail_restores = true;
  EXPECT_THROW((void)reset.start(kPristineTag), hurdle::QmpError);
  journal.take();
  reset.prepare();  // what the runner does next
  EXPECT_EQ(journal.take(), (Lines{"#1 gone", "boot", "#2 up", "#2 snapshot pristine"}));
  EXPECT_EQ(reset.start(kPristineTag).machine.id(), 2);
}

TEST(SnapshotReset, CrashKillsTheMachine) {
  Journal journal;
  Boots boots{journal};
  SnapshotReset reset(boots.boot());
  EXPECT_EQ(reset.machine(), nullptr);
  reset.crash();  // nothing to kill yet
  reset.prepare();
  reset.crash();
  EXPECT_FALSE(reset.machine()->running());
}

TEST(RebootReset, EveryScenarioButTheFirstAfterABootBootsAnew) {
  Journal journal;
  Boots boots{journal};
  RebootReset reset(boots.boot());
  reset.prepare();
  auto first = reset.start(kPristineTag);
  EXPECT_FALSE(first.reset);
  EXPECT_EQ(first.how, "the first scenario of a boot");
  journal.take();
  auto second = reset.start(kPristineTag);
  EXPECT_TRUE(second.reset);
  EXPECT_EQ(second.machine.id(), 2);
  EXPECT_EQ(journal.take(), (Lines{"#1 note reset: reboot: starting the machine afresh", "#1 gone",
                                   "boot", "#2 up"}));
}

TEST(RebootReset, AnEndStateIsContinuedOnlyByTheNextScenario) {
  Journal journal;
  Boots boots{journal};
  RebootReset reset(boots.boot());
  reset.prepare();
  (void)reset.start(kPristineTag);
  reset.keep("after-a");
  EXPECT_TRUE(reset.holds("after-a"));
  auto chained = reset.start("after-a");
  EXPECT_FALSE(chained.reset);
  EXPECT_EQ(chained.machine.id(), 1);
  EXPECT_FALSE(reset.holds("after-a"));  // the chained scenario changes the machine
  try {
    (void)reset.start("after-a");
    FAIL() << "a second start from the end state must throw";
  } catch (const hurdle::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("use reset: clone or snapshot"), std::string::npos)
        << e.what();
  }
}

TEST(RebootReset, ARollBackMakesTheNextStartBoot) {
  Journal journal;
  Boots boots{journal};
  RebootReset reset(boots.boot());
  reset.prepare();
  (void)reset.start(kPristineTag);
  reset.keep("after-a");
  reset.roll_back(kPristineTag);
  EXPECT_FALSE(reset.holds("after-a"));
  journal.take();
  EXPECT_TRUE(reset.start(kPristineTag).reset);
  EXPECT_EQ(reset.machine()->id(), 2);
}

hurdle::MachineOptions lane_options() {
  hurdle::MachineOptions o;
  o.log_dir = "lane-1";
  return o;
}

TEST(CloneReset, OnlyThePreparingLaneMakesTheTemplate) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset first(source, lane_options(), true, false);
  CloneReset second(source, lane_options(), false, false);
  first.prepare();
  second.prepare();
  EXPECT_EQ(journal.take(), (Lines{"template made"}));
}

TEST(CloneReset, EachStartIsANewCloneAndThePreviousOneGoes) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, false);
  reset.prepare();
  journal.take();
  auto a = reset.start(kPristineTag);
  EXPECT_TRUE(a.reset);
  EXPECT_EQ(a.how, "a new clone");
  EXPECT_EQ(journal.take(), (Lines{"clone in clone-1", "#1 up"}));
  auto b = reset.start(kPristineTag);
  EXPECT_EQ(b.machine.id(), 2);
  EXPECT_EQ(journal.take(), (Lines{"#1 gone", "clone in clone-2", "#2 up"}));
}

TEST(CloneReset, TheSpareMadeInTheBackgroundIsTheNextStartsMachine) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  {
    CloneReset reset(source, lane_options(), true, true);
    reset.prepare();
    auto a = reset.start(kPristineTag);
    EXPECT_EQ(a.how, "a new clone");
    auto b = reset.start(kPristineTag);
    EXPECT_EQ(b.how, "a spare clone");
    EXPECT_EQ(b.machine.id(), 2);
    EXPECT_EQ(reset.machine()->id(), 2);
  }
  // The last spare (#3) and the current clone go with the strategy.
  const Lines lines = journal.take();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "#3 gone"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "#2 gone"), lines.end());
}

TEST(CloneReset, ASpareThatDiedOrFailedIsReplacedByANewClone) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, true);
  reset.prepare();
  source->make_dead(2);
  source->make_fail(4);
  (void)reset.start(kPristineTag);  // #1; the spare #2 is dead when taken
  auto b = reset.start(kPristineTag);
  EXPECT_EQ(b.how, "a new clone");
  EXPECT_EQ(b.machine.id(), 3);
  EXPECT_TRUE(b.machine.running());
  auto c = reset.start(kPristineTag);  // the spare #4 threw
  EXPECT_EQ(c.how, "a new clone");
  EXPECT_EQ(c.machine.id(), 5);
  auto d = reset.start(kPristineTag);  // the spare #6 is well
  EXPECT_EQ(d.how, "a spare clone");
  EXPECT_EQ(d.machine.id(), 6);
}

TEST(CloneReset, AKeptEndStateLivesInItsCloneUntilDropped) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, false);
  reset.prepare();
  (void)reset.start(kPristineTag);  // #1
  reset.keep("after-a");
  (void)reset.start(kPristineTag);  // #2: #1 lives on, it holds after-a
  Lines lines = journal.take();
  EXPECT_EQ(std::find(lines.begin(), lines.end(), "#1 gone"), lines.end());

  auto chained = reset.start("after-a");
  EXPECT_EQ(chained.machine.id(), 1);
  EXPECT_FALSE(chained.reset);  // untouched since it was saved
  EXPECT_EQ(chained.how, "still in after-a");
  reset.roll_back("after-a");
  auto retry = reset.start("after-a");
  EXPECT_FALSE(retry.reset);  // the roll back restored it
  auto third = reset.start("after-a");
  EXPECT_TRUE(third.reset);
  journal.take();

  // Dropped while its clone is current: only the snapshot goes.
  reset.drop("after-a");
  EXPECT_EQ(journal.take(), (Lines{"#1 delete after-a"}));
  EXPECT_FALSE(reset.holds("after-a"));
  EXPECT_THROW((void)reset.start("after-a"), hurdle::TemplateError);
}

TEST(CloneReset, ADroppedStateWhoseCloneIsNotCurrentTakesTheCloneWithIt) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, false);
  reset.prepare();
  (void)reset.start(kPristineTag);  // #1
  reset.keep("after-a");
  (void)reset.start(kPristineTag);  // #2
  journal.take();
  reset.drop("after-a");
  EXPECT_EQ(journal.take(), (Lines{"#1 gone"}));
}

TEST(CloneReset, ARollBackToPristineLetsTheFailedCloneGo) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, false);
  reset.prepare();
  (void)reset.start(kPristineTag);
  journal.take();
  reset.roll_back(kPristineTag);
  EXPECT_EQ(journal.take(), (Lines{"#1 gone"}));
  EXPECT_EQ(reset.machine(), nullptr);
}

TEST(CloneReset, CrashKillsTheCurrentCloneAndEveryHeldOne) {
  Journal journal;
  auto source = std::make_shared<FakeSource>(journal);
  CloneReset reset(source, lane_options(), true, false);
  reset.prepare();
  (void)reset.start(kPristineTag);
  reset.keep("after-a");
  (void)reset.start(kPristineTag);
  journal.take();
  reset.crash();
  Lines lines = journal.take();
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (Lines{"#1 crash", "#2 crash"}));
}

}  // namespace
