#include "run/exec_over_ssh.hpp"

#include <cstdlib>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "config/yaml_reader.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/output_lines.hpp"
#include "core/print_error.hpp"
#include "core/private_folder.hpp"
#include "core/safe_text.hpp"
#include "core/secret_mask.hpp"
#include "run/copy_back.hpp"
#include "run/exec_run.hpp"
#include "run/live_lines_writer.hpp"

namespace hurdle {

namespace fs = std::filesystem;

namespace {

// The request as `hurdle exec` would check it, less what only `hurdle exec` does; the guest
// command line with the --env values in it.
std::string checked_command_line(const ExecRequest& r, SecretMask& mask) {
  const std::string& who = r.who;
  if (!r.prepare.empty())
    throw ConfigError({}, who +
                              ": --prepare: the machine is prepared already; "
                              "`hurdle exec --prepare` prepares (and keeps) one");
  if (!r.results.empty())
    throw ConfigError({}, who + ": --results: needs a report; `hurdle exec` writes one");
  (void)exec_suite_yaml(r);  // the same checks, the same messages
  check_exec_environment(r);
  const auto value = [](const std::string& name) { return std::string(std::getenv(name.c_str())); };
  for (const auto& name : r.env) mask.add(value(name));
  return guest_command_line(
      r, [](const std::string& text) { return text; }, value);
}

// Runs `line` with its output live, masked and made safe; how it ended.
CommandResult run_live(SshClient& ssh, const std::string& line, const ExecRequest& r,
                       const SecretMask& mask) {
  LiveLinesWriter writer(false);
  OutputLines lines([&](bool err, std::string_view text) {
    writer.write(err, safe_text(mask.masked(std::string(text))));
  });
  const LiveOutput live = [&lines](bool err, std::string_view piece) { lines.feed(err, piece); };
  std::string title;
  for (const auto& arg : r.command) title += (title.empty() ? "" : " ") + arg;
  writer.block(safe_line(mask.masked(title)));
  struct EndBlock {
    OutputLines& lines;
    LiveLinesWriter& writer;
    ~EndBlock() {
      lines.finish();
      writer.block({});
    }
  } end{lines, writer};
  return ssh.run(line, as_duration(YAML::Node(r.timeout), "--timeout"), &live);
}

int status_of(const CommandResult& result) {
  if (!result.signal.empty()) return exit_status_of_signal(result.signal);
  return result.exit_status;
}

// Fetches each --copy-back path and puts it in place; false when one could not be (said on
// standard error): the others still come back.
bool copy_back(SshClient& ssh, const ExecRequest& r, std::chrono::milliseconds timeout,
               const SecretMask& mask) {
  const std::string& who = r.who;
  bool all = true;
  try {
    const PrivateFolder copied("copy-back", fs::temp_directory_path());
    for (const auto& path : r.copy_back) {
      const fs::path relative = normal_relative(path);
      try {
        fs::create_directories((copied.path() / relative).parent_path());
        ssh.get((r.sync / relative).string(), copied.path() / relative, timeout);
      } catch (const std::exception& e) {
        print_error(who + ": --copy-back " + path + ": " + mask.masked(e.what()));
        all = false;
      }
    }
    put_copied_back(r.sync, r.copy_back, copied.path(), who);
  } catch (const std::exception& e) {
    print_error(who + ": copying back: " + mask.masked(e.what()));
    return false;
  }
  return all;
}

}  // namespace

int exec_over_ssh(SshClient& ssh, const ExecRequest& r) {
  const std::string& who = r.who;
  SecretMask mask;
  std::string line;
  try {
    line = checked_command_line(r, mask);
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitExecFailed;
  }
  const auto transfers = as_duration(YAML::Node(r.timeout), "--timeout");
  CommandResult result;
  try {
    if (!r.sync.empty()) {
      std::vector<std::string> exclude = r.exclude;
      if (!r.sync_git) exclude.insert(exclude.begin(), ".git");
      ssh.put(r.sync, r.sync.string(), transfers, exclude);
    }
    result = run_live(ssh, line, r, mask);
  } catch (const std::exception& e) {
    print_error(who + ": " + mask.masked(e.what()));
    return kExitExecFailed;
  }
  int status = status_of(result);
  if (!r.copy_back.empty() && !copy_back(ssh, r, transfers, mask) && status == 0)
    status = kExitFailed;
  return status;
}

}  // namespace hurdle
