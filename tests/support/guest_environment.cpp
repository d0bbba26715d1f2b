// Tells the test guests' profiles where this build keeps the guests, whatever the build folder
// is called: they read ${env:HURDLE_GUEST_DIR}. CTest cannot give gtest-discovered tests a
// list of variables (CMake 3.25 splits it into words), so every test program sets this one
// itself before main(); a value already in the environment wins. Programs a test starts (the
// hurdle program, machine_holder) inherit it.
#include <cstdlib>

namespace {

const bool kGuestDirSet = ::setenv("HURDLE_GUEST_DIR", HURDLE_TEST_GUEST_DIR, 0) == 0;

}  // namespace
