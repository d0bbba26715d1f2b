// The JUnit and summary.json writers given any text in every field a scenario can fill: what
// they write parses (JUnit with libxml2, strictly; summary.json with nlohmann::json).
#include <libxml/parser.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "report/junit_writer.hpp"
#include "report/summary_writer.hpp"

namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The input, cut at '\x01' bytes, fills the fields in turn.
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (std::size_t from = 0; from <= all.size();) {
    const std::size_t to = std::min(all.find('\x01', from), all.size());
    parts.emplace_back(all.substr(from, to - from));
    from = to + 1;
  }
  const auto part = [&](std::size_t i) { return parts[i % parts.size()]; };
  hurdle::RunReport report;
  report.hostname = part(0);
  hurdle::ReportSuite suite;
  suite.name = part(1);
  suite.timestamp = part(2);
  suite.properties = {{part(3), part(4)}};
  for (const auto status : {hurdle::Verdict::kFailed, hurdle::Verdict::kError,
                            hurdle::Verdict::kSkipped, hurdle::Verdict::kFlaky}) {
    hurdle::ReportCase c;
    c.name = part(5);
    c.status = status;
    c.message = part(6);
    c.type = part(7);
    c.details = part(8);
    c.step_log = part(9);
    c.file = part(10);
    c.attachments = {part(11)};
    suite.cases.push_back(c);
  }
  report.suites.push_back(suite);

  const auto junit = hurdle::fuzz::as_file("", "junit.xml");
  hurdle::write_junit(report, junit);
  const std::string xml = read(junit);
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) hurdle::fuzz::finding("libxml2 rejects the JUnit file:\n" + xml);
  xmlFreeDoc(doc);

  const auto summary = hurdle::fuzz::as_file("", "summary.json");
  hurdle::write_summary_json(report, 1, summary);
  if (nlohmann::json::parse(read(summary), nullptr, false).is_discarded())
    hurdle::fuzz::finding("summary.json does not parse");
  return 0;
}
