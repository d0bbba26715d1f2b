#include "core/run_program.hpp"

#include "core/boost_process.hpp"
#include "core/error.hpp"

namespace hurdle {

namespace bp = boost::process::v2;

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  return bp::environment::find_executable(name).string();
}

ProgramResult run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) throw HostError("run_program: no program given");
  const std::string exe = find_program(argv.front());
  if (exe.empty()) throw HostError(argv.front() + " is not installed (not found on PATH)");
  boost::asio::io_context ctx;
  boost::asio::readable_pipe out(ctx);
  boost::asio::readable_pipe err(ctx);
  ProgramResult result;
  boost::system::error_code ec;
  bp::process child(ctx, exe, std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::process_stdio{nullptr, out, err}, CloseInheritedFds{}, ec);
  if (ec) throw HostError("cannot start " + exe + ": " + ec.message());
  // Both pipes are drained together, so a program filling one of them cannot stall.
  const auto drain = [](boost::asio::readable_pipe& pipe, std::string& into) {
    boost::asio::async_read(pipe, boost::asio::dynamic_buffer(into),
                            [](const boost::system::error_code&, std::size_t) {});
  };
  drain(out, result.out);
  drain(err, result.err);
  ctx.run();
  result.exit_code = child.wait();
  return result;
}

}  // namespace hurdle
