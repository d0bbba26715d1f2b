#include "vm/vm_stats.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hurdle {

namespace {

// A "Key:   123 kB" line of a /proc file, in bytes (0 when absent).
std::uint64_t proc_kb(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::uint64_t kb = 0;
    fields >> kb;
    return kb * 1024;
  }
  return 0;
}

}  // namespace

nlohmann::json vm_stats(pid_t pid, const std::vector<std::filesystem::path>& disk_files) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(proc + "/stat");
  std::string stat;
  std::getline(stat_file, stat);
  if (stat.empty()) return {{"pid", pid}, {"running", false}};
  // The fields after the command name (which may hold spaces and parentheses): state is the
  // 3rd field of /proc/PID/stat, utime the 14th, stime the 15th, num_threads the 20th.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double cpu =
      fields.size() > 12 ? (std::stod(fields[11]) + std::stod(fields[12])) / ticks : 0.0;
  nlohmann::json disks = nlohmann::json::array();
  std::uint64_t allocated_total = 0;
  for (const auto& file : disk_files) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) continue;
    const std::uint64_t allocated = static_cast<std::uint64_t>(st.st_blocks) * 512;
    allocated_total += allocated;
    disks.push_back({{"file", file.string()},
                     {"allocated_bytes", allocated},
                     {"size_bytes", static_cast<std::uint64_t>(st.st_size)}});
  }
  return {{"pid", pid},
          {"running", true},
          {"rss_bytes", proc_kb(proc + "/status", "VmRSS")},
          {"pss_bytes", proc_kb(proc + "/smaps_rollup", "Pss")},
          {"cpu_seconds", cpu},
          {"threads", fields.size() > 17 ? std::stoi(fields[17]) : 0},
          {"disks", disks},
          {"disk_allocated_bytes", allocated_total}};
}

}  // namespace hurdle
