// The exit statuses every hurdle command shares: 0 all passed (or valid), 1 some scenario
// failed, 2 bad input (a suite, a profile or an option), 3 the infrastructure failed (QEMU
// would not start, an image is missing, the report could not be written) or the run was
// interrupted. `hurdle exec` and `hurdle vm ssh` pass a guest command's own status instead.
#pragma once

namespace hurdle {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInfrastructure = 3;
// `hurdle exec`: hurdle itself failed before the command's status was known (bad options, a
// machine that did not boot, a sync that failed), as `docker run` and `env` say it.
inline constexpr int kExitExecFailed = 125;

}  // namespace hurdle
