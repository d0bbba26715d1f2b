// The tools `hurdle mcp` offers an agent: the VM controls of `hurdle vm` (vm/vm_client.hpp,
// vm/vm_launcher.hpp) and run_suite (run/suite_run.hpp, run in a `hurdle run` process
// of its own: GoogleTest allows one run per process). Each has an input schema, an output
// schema and a description a model can act on.
#pragma once

#include <filesystem>
#include <vector>

#include "mcp/mcp_server.hpp"

namespace hurdle::mcp {

// `program`: the hurdle program, for the supervisors and runs the tools start.
std::vector<Tool> hurdle_tools(const std::filesystem::path& program);

}  // namespace hurdle::mcp
