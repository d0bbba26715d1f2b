#include "report/report_merge.hpp"

#include <algorithm>
#include <map>

namespace hurdle {

RunReport merge_reports(const std::vector<ReportInput>& inputs) {
  RunReport merged;
  // (suite, case) -> the input that reported it first, and where the case is in `merged`.
  struct Seen {
    std::size_t input;
    std::size_t index;
  };
  std::map<std::pair<std::string, std::string>, Seen> seen;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const RunReport& in = inputs[i].report;
    if (merged.hostname.empty()) merged.hostname = in.hostname;
    // Within one input a name may repeat (--repeat runs a scenario again): only a name that
    // another input reported too is a conflict.
    std::map<std::pair<std::string, std::string>, bool> here;
    for (const ReportSuite& suite : in.suites) {
      auto target = std::find_if(merged.suites.begin(), merged.suites.end(),
                                 [&](const ReportSuite& s) { return s.name == suite.name; });
      if (target == merged.suites.end()) {
        ReportSuite fresh;
        fresh.name = suite.name;
        fresh.timestamp = suite.timestamp;
        merged.suites.push_back(std::move(fresh));
        target = merged.suites.end() - 1;
      }
      if (!suite.timestamp.empty() &&
          (target->timestamp.empty() || suite.timestamp < target->timestamp))
        target->timestamp = suite.timestamp;
      for (const auto& p : suite.properties) {
        if (std::find(target->properties.begin(), target->properties.end(), p) ==
            target->properties.end())
          target->properties.push_back(p);
      }
      target->boot_seconds += suite.boot_seconds;
      for (const ReportCase& c : suite.cases) {
        const auto key = std::make_pair(suite.name, c.name);
        here[key] = true;
        const auto first = seen.find(key);
        if (first == seen.end() || first->second.input == i) {
          if (first == seen.end()) seen[key] = {i, target->cases.size()};
          target->cases.push_back(c);
          continue;
        }
        ReportCase& kept = target->cases[first->second.index];
        const std::string both = inputs[first->second.input].file.string() + " (" +
                                 to_string(kept.status) + ") and " + inputs[i].file.string() +
                                 " (" + to_string(c.status) + ")";
        kept.details = "reported by " + both + "; as the first one reported it:\n" +
                       (kept.details.empty() ? kept.message : kept.details);
        kept.status = Verdict::kError;
        kept.type = "DuplicateTestCase";
        kept.message = suite.name + "." + c.name + " was reported by two inputs: " + both +
                       "; were two shards given the same part?";
      }
    }
  }
  return merged;
}

}  // namespace hurdle
