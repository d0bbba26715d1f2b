// The hurdle program. Subcommands are added here as they become real.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hurdle: boot guest operating systems (Debian GNU/Hurd first) in QEMU and test them",
               "hurdle"};
  app.set_version_flag("--version", std::string("hurdle ") + hurdle::kVersion);
  app.footer("Documentation: README.md and docs/ in the hurdle source tree.");
  CLI11_PARSE(app, argc, argv);
  if (argc == 1) {
    std::cout << app.help();
  }
  return 0;
}
