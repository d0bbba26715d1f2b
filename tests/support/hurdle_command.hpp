// Runs the hurdle program of this build as a person would, and returns what it did.
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

}  // namespace hurdle::test
