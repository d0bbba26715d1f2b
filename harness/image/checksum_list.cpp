#include "image/checksum_list.hpp"

namespace hurdle {

namespace {

std::string strip(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  return name;
}

}  // namespace

std::optional<Digest> find_in_checksum_list(std::string_view list, const std::string& file_name,
                                            DigestAlgorithm algorithm) {
  const std::string wanted = strip(file_name);
  const std::string tag = algorithm == DigestAlgorithm::kSha512 ? "SHA512 (" : "SHA256 (";
  std::size_t start = 0;
  while (start < list.size()) {
    auto end = list.find('\n', start);
    if (end == std::string_view::npos) end = list.size();
    std::string line(list.substr(start, end - start));
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string hex, name;
    if (line.rfind(tag, 0) == 0) {  // BSD: SHA512 (name) = hex
      const auto close = line.rfind(") = ");
      if (close == std::string::npos) continue;
      name = line.substr(tag.size(), close - tag.size());
      hex = line.substr(close + 4);
    } else {  // coreutils: hex, a space, then ' ' or '*', then the name
      const auto space = line.find(' ');
      if (space == std::string::npos || space + 2 > line.size()) continue;
      hex = line.substr(0, space);
      name = line.substr(space + 2);
      if (line[space + 1] != ' ' && line[space + 1] != '*') continue;
    }
    if (strip(name) != wanted) continue;
    if (auto d = parse_digest(to_string(algorithm) + ":" + hex)) return d;
  }
  return std::nullopt;
}

}  // namespace hurdle
