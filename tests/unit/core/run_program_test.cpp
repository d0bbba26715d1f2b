// run_program: a helper program gets its output collected and its status, and inherits no
// descriptor of hurdle's but its standard three. Boost 1.81 left open in the child every
// descriptor below its own exec-error pipe: a QEMU started on one thread held the output pipes
// another thread had just made for `qemu-img`, whose run_program then waited forever.
#include "core/run_program.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <sstream>

#include "core/unique_fd.hpp"

namespace hurdle {
namespace {

using ::testing::HasSubstr;

TEST(RunProgram, OutputErrorAndStatusComeBackApart) {
  const ProgramResult r = run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(RunProgram, TheChildInheritsNoDescriptorButItsStandardThree) {
  // Two descriptors without close-on-exec, as Boost makes the pipes it hands a child, taken
  // before the launch: they get lower numbers than the launcher's own pipe.
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  const UniqueFd read_end(ends[0]);
  const UniqueFd write_end(ends[1]);
  const ProgramResult r = run_program({"ls", "/proc/self/fd"});
  ASSERT_TRUE(r.ok()) << r.err;
  std::istringstream listed(r.out);
  std::vector<std::string> fds;
  for (std::string fd; std::getline(listed, fd);) fds.push_back(fd);
  // 0, 1, 2, and the one ls opens to read the folder: the lowest free, which is the read
  // end's number in hurdle. The write end's number must not be there, nor anything more.
  EXPECT_THAT(fds, ::testing::Not(::testing::Contains(std::to_string(ends[1]))));
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2", "3"})) << r.out;
}

TEST(RunProgram, AProgramThatIsNotThereIsAnError) {
  try {
    (void)run_program({"hurdle-no-such-program"});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("hurdle-no-such-program is not installed"));
  }
}

}  // namespace
}  // namespace hurdle
