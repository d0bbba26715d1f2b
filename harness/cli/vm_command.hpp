// `hurdle vm ...`: a VM that outlives the command, for a person at a terminal and for scripts.
// `start` runs its supervisor (vm/vm_supervisor.hpp) and returns once the guest has booted;
// every other subcommand is a client of that supervisor (vm/vm_client.hpp); `serve` is the
// supervisor itself. Read commands take --json. Exit statuses: 0 done, 1 the answer is "no"
// (health, a power-down the guest ignored, a command that failed in the guest: its status;
// `exec` returns its command's own, as `hurdle exec` does),
// 2 bad input (an unknown VM: those running are listed), 3 the VM or its QEMU failed.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "cli/image_arguments.hpp"
#include "run/exec_suite.hpp"

namespace hurdle::cli {

class VmCommand {
 public:
  explicit VmCommand(CLI::App& app);

  [[nodiscard]] bool parsed() const { return command_->parsed(); }
  int run();

 private:
  CLI::App* add(const std::string& name, const std::string& help, bool takes_name = true);
  void add_start_options(CLI::App* sub);
  void add_exec();
  int start();
  int exec();
  int serve();
  int list();
  int status();
  int info();
  int snapshot();
  int simple(const std::string& command, const std::string& done);
  int quit();
  int reset();
  int powerdown();
  int kill();
  int send();
  int ssh();
  int screenshot();
  int health();
  int stats();
  int logs();
  int console();
  int monitor();

  CLI::App* command_ = nullptr;
  std::map<std::string, CLI::App*> sub_;
  CLI::App* snapshot_ = nullptr;
  std::map<std::string, CLI::App*> snapshot_sub_;

  // options, shared by the subcommands that take them
  std::string name_;
  std::string profile_;
  std::string image_;
  std::string accel_;
  std::string log_dir_;
  bool debug_ = false;
  bool gdb_ = false;
  bool vnc_ = false;
  bool no_wait_ = false;
  bool login_ = false;
  bool no_login_ = false;
  int ready_fd_ = -1;
  bool json_ = false;
  std::string tag_;
  std::string text_;
  bool no_newline_ = false;
  std::vector<std::string> ssh_command_;
  double timeout_ = 60;
  double watch_ = 0;
  bool follow_ = false;
  std::string log_name_ = "console";
  std::string file_;
  std::string from_;
  std::string request_;  // vm serve --request FILE
  ExecRequest exec_;
  std::string sync_ = ".";
  bool no_sync_ = false;
  ImageArguments images_;
};

}  // namespace hurdle::cli
