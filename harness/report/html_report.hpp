// A run report as one self-contained HTML page (no network, no external CSS or script): totals,
// each suite with its scenarios (status, time, flaky and retried marks, where they are
// written), and for each one that did not pass its message with the YAML file and line, its
// step log, the project tests it imported, the console's last lines, and links to its
// attachment files when they sit beside the page. Every text is escaped after safe_text: the
// guest's words cannot become markup. Written by `hurdle report html`.
#pragma once

#include <filesystem>
#include <string>

#include "report/run_report.hpp"

namespace hurdle {

// The page for `report`, to be written at `page` (attachments are linked relative to its
// folder, and a console tail is read from the attachments when it can be).
[[nodiscard]] std::string html_report(const RunReport& report, const std::filesystem::path& page);

}  // namespace hurdle
