// How a run of suites goes, whoever asks for it (`hurdle run`, `hurdle exec`, the MCP server's
// run_suite): every suite validated first (nothing starts on bad input), the scenarios that
// --filter, --exclude and the shard select (hurdle shards itself, taking GoogleTest's shard
// variables when no shard is given), in order or shuffled with a seed, repeated, run by
// hurdle's own loop and told to the observers (one line each for people, events, GitHub
// annotations, the JUnit file and summary.json, written whatever happens), stopped at the
// first failure when asked, SIGINT and SIGTERM turned into a finished report with the
// machines stopped, and the exit status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/exit_status.hpp"
#include "core/print_error.hpp"
#include "machine/image_resolver.hpp"
#include "run/run_request.hpp"
#include "suite/suite.hpp"

namespace hurdle {

// Runs the request in this process; `also` is told the run as the reports are. Returns the
// exit status.
class RunObserver;
int run_suites(const RunRequest& request, RunObserver* also = nullptr);

// The scenarios the request selects, "SUITE.SCENARIO" each, after loading and checking every
// suite and its machine as the run would (ConfigError naming file and line otherwise); empty
// when the filters match nothing.
std::vector<std::string> selected_scenarios(const RunRequest& request);

// Loads the suite's machine profile and checks its image as a run would, fetching nothing.
void check_suite_machine(const Suite& suite, const ImageSettings& images);

}  // namespace hurdle
