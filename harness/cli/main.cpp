// The hurdle program: argument parsing only; the work is in the library.
// Exit statuses: 0 all passed or valid, 1 some scenario failed, 2 bad input (a suite, a profile
// or an option), 3 the infrastructure failed (QEMU would not start, an image is missing).
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "scenario/suite_loader.hpp"

namespace {

constexpr int kBadInput = 2;

// `hurdle validate FILES...`: loads every suite as `hurdle run` would, starts nothing.
int validate(const std::vector<std::string>& files) {
  int status = 0;
  for (const auto& file : files) {
    try {
      const hurdle::Suite suite = hurdle::load_suite(file);
      std::size_t steps = suite.provision.size();
      for (const auto& s : suite.scenarios) steps += s.steps.size();
      std::cout << file << ": ok, suite " << suite.name << ", " << suite.scenarios.size()
                << " scenario(s), " << steps << " step(s), machine " << suite.machine.string()
                << "\n";
    } catch (const hurdle::Error& e) {
      std::cerr << e.what() << "\n";
      status = kBadInput;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hurdle: boot guest operating systems (Debian GNU/Hurd first) in QEMU and test them",
               "hurdle"};
  app.set_version_flag("--version", std::string("hurdle ") + hurdle::kVersion);
  app.footer("Documentation: README.md and docs/ in the hurdle source tree.");
  app.require_subcommand(0, 1);

  std::vector<std::string> validate_files;
  CLI::App* validate_cmd =
      app.add_subcommand("validate",
                         "Check suite files (structure, steps, regexes, variables, "
                         "machine profile) without starting anything; exit 2 on any error");
  validate_cmd->add_option("files", validate_files, "suite files (YAML)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  if (validate_cmd->parsed()) return validate(validate_files);
  std::cout << app.help();
  return 0;
}
