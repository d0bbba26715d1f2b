// Every test program gives back, as it ends, the tmpfs memory of the boot caches it made in
// temporary folders and removed (a PrivateFolder's, or a hurdle program's it ran there): nothing
// else would until the host reboots. The CTest fixture `tmpfs` (tests/support/tmpfs_orphans.sh)
// checks that a whole ctest leaves none behind.
#include <gtest/gtest.h>

#include "engine/boot_cache.hpp"

namespace {

class SweepTmpfs : public ::testing::Environment {
 public:
  void TearDown() override {
    (void)hurdle::BootCache::sweep_orphans(hurdle::BootCache::default_shm_folder());
  }
};

::testing::Environment* const kSweep = ::testing::AddGlobalTestEnvironment(new SweepTmpfs);

}  // namespace
