#include "suite/step.hpp"

#include <algorithm>
#include <map>

#include "suite/step_reader.hpp"

namespace hurdle {

namespace {

// keyword -> (the step's name, its payload's reader), from the payload types' kKeywords.
using PayloadReader = StepPayload (*)(StepReader&);
struct KeywordEntry {
  std::string name;
  PayloadReader read;
};

template <typename T>
StepPayload read_as(StepReader& r) {
  return T::read(r);
}

template <std::size_t... I>
std::map<std::string, KeywordEntry> make_keyword_table(std::index_sequence<I...>) {
  std::map<std::string, KeywordEntry> table;
  const auto add = [&](const auto& keywords, PayloadReader read) {
    for (const auto& k : keywords)
      table.emplace(std::string(k), KeywordEntry{std::string(keywords[0]), read});
  };
  (add(std::variant_alternative_t<I, StepPayload>::kKeywords,
       &read_as<std::variant_alternative_t<I, StepPayload>>),
   ...);
  return table;
}

const std::map<std::string, KeywordEntry>& keyword_table() {
  static const auto table =
      make_keyword_table(std::make_index_sequence<std::variant_size_v<StepPayload>>());
  return table;
}

}  // namespace

const std::vector<std::string>& step_keywords() {
  static const std::vector<std::string> keywords = [] {
    std::vector<std::string> all;
    for (const auto& [k, entry] : keyword_table()) all.push_back(k);
    return all;
  }();
  return keywords;
}

std::optional<std::string> step_name(const std::string& keyword) {
  const auto it = keyword_table().find(keyword);
  if (it == keyword_table().end()) return std::nullopt;
  return it->second.name;
}

StepPayload read_step_payload(const std::string& keyword, StepReader& reader) {
  return keyword_table().at(keyword).read(reader);
}

std::string described(const Step& step, const std::string& detail) {
  return detail.empty() ? step.keyword : step.keyword + " `" + detail + "`";
}

std::string Step::describe() const {
  return std::visit([&](const auto& p) { return p.describe(*this); }, payload);
}

nlohmann::json Step::inputs() const {
  return {{"step", keyword},
          {"timeout", timeout ? timeout->count() : -1},
          {"captures", captures},
          {"payload", std::visit([&](const auto& p) { return p.inputs(*this); }, payload)}};
}

}  // namespace hurdle
