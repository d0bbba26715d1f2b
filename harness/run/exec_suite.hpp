// `hurdle exec`'s suite: what the command line asks for, written as an ordinary suite that
// `hurdle run` runs (printable with --print-suite). One suite `exec`, one scenario `command`:
//
//   boot.provision   one `ssh.succeed` per --prepare, output live: part of the template, so
//                    the boot cache keys on them and a second run neither boots nor prepares
//   ssh.put          the synced folder into the guest at the same path (.git left out)
//   ssh.succeed      the command, in that folder, its output live, any exit status accepted
//                    is not: a status other than 0 fails the scenario (its JUnit case)
//   ssh.get          each --copy-back path, into the report's copy-back/ (always: true)
//   results.import   each --results FORMAT:PATH (always: true)
//
// Every text given is written so that the suite's ${...} leaves it as it is ($ as $$). The
// values of --env variables are read by the run (${secret:...}), never written in the suite.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hurdle {

struct ExecRequest {
  std::string machine = "hurd-amd64";  // a profile name or path
  std::string image;                   // the image lock entry to boot instead of the profile's
  std::vector<std::string> prepare;    // shell command lines, run once before the template
  std::filesystem::path sync;          // absolute; empty: nothing synced, run in the home folder
  bool sync_git = false;               // --sync-git: .git goes along
  std::vector<std::string> exclude;    // more paths left out of the sync (the report folder)
  std::vector<std::string> copy_back;  // paths relative to `sync`
  std::vector<std::string> results;    // FORMAT:PATH, PATH relative to `sync`
  std::vector<std::string> env;        // variable names, forwarded and masked
  std::string timeout = "1h";          // the command's time-out, as a suite writes durations
  std::vector<std::string> command;    // argv, run without a shell
  std::string who = "hurdle exec";     // the command named in messages ("hurdle vm exec")
};

// Checks the request (ConfigError naming the option and what was expected) and writes its
// suite.
[[nodiscard]] std::string exec_suite_yaml(const ExecRequest& request);

// The guest command line the scenario runs: each --env variable exported from a quoted
// here-document (its value is read by the run as ${secret:NAME}: masked, and never parsed by
// the guest's shell), cd, exec of the quoted argv.
[[nodiscard]] std::string exec_command_line(const ExecRequest& request);
// The same line built with `text` applied to each piece of it (the suite escapes `$`) and
// `value(NAME)` as each --env variable's value: what `hurdle vm exec` sends as it is.
[[nodiscard]] std::string guest_command_line(
    const ExecRequest& request, const std::function<std::string(const std::string&)>& text,
    const std::function<std::string(const std::string&)>& value);
// Every --env variable is set here, and its value can go through the here-document; else
// ConfigError, its message starting with request.who.
void check_exec_environment(const ExecRequest& request);

// A --copy-back or --results path as the suite names it: normal, without a trailing '/'.
[[nodiscard]] std::filesystem::path normal_relative(const std::string& path);

inline constexpr const char* kExecSuite = "exec";
inline constexpr const char* kExecScenario = "command";
inline constexpr const char* kCopyBackFolder = "copy-back";
// Ends an --env value's here-document: a value with this line in it is refused.
inline constexpr const char* kEnvValueEnd = "HURDLE_END_OF_VALUE";

}  // namespace hurdle
