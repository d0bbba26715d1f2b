// Runs the hurdle program of this build as a person would, or another program, and returns
// what it did.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/boost_process.hpp"
#include "support/merged_output.hpp"
#include "support/paths.hpp"

namespace hurdle::test {

// `hurdle ARGS...` (any command): its exit status and everything it printed.
inline std::pair<int, std::string> hurdle_command(const std::vector<std::string>& args) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  MergedOutput out(ctx);
  bp::process p(ctx, hurdle_program().string(), args,
                bp::process_stdio{nullptr, out.fd(), out.fd()});
  std::string text = out.read_all();
  return {p.wait(), std::move(text)};
}

// argv's output, stdout and stderr together (its exit status is not looked at).
inline std::string program_output(const std::vector<std::string>& argv) {
  namespace bp = boost::process::v2;
  boost::asio::io_context ctx;
  MergedOutput out(ctx);
  bp::process p(ctx, bp::environment::find_executable(argv[0]),
                std::vector<std::string>(argv.begin() + 1, argv.end()),
                bp::process_stdio{nullptr, out.fd(), out.fd()});
  std::string text = out.read_all();
  (void)p.wait();
  return text;
}

}  // namespace hurdle::test
