// The console's matching path (AnsiFilter, then ExpectBuffer) under random read splits: the
// clean text does not depend on the splits, holds no control character but '\n' and '\t',
// stays within the buffer's bounds, and a "login: " printed after anything is always found.
#include <cstdint>
#include <string>
#include <string_view>

#include "console/ansi_filter.hpp"
#include "console/expect_buffer.hpp"
#include "fuzz_input.hpp"

namespace {

// The clean text of `raw` read in pieces whose sizes come from `splits`, cycling.
std::string filtered(std::string_view raw, std::string_view splits) {
  hurdle::AnsiFilter filter;
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; at < raw.size(); ++i) {
    const std::size_t n = splits.empty()
                              ? raw.size()
                              : 1 + static_cast<unsigned char>(splits[i % splits.size()]) % 64;
    filter.feed(raw.substr(at, n), out);
    at += n;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  // The first bytes choose the read sizes; the rest is what the guest printed.
  const std::size_t cut = size == 0 ? 0 : std::min<std::size_t>(size, 1 + data[0] % 16);
  const std::string_view splits = all.substr(0, cut);
  const std::string raw = std::string(all.substr(cut)) + "\nlogin: ";

  const std::string whole = filtered(raw, {});
  if (filtered(raw, splits) != whole) hurdle::fuzz::finding("the clean text depends on the reads");
  for (const char c : whole) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f)
      hurdle::fuzz::finding("a control character reached the clean text: " + std::to_string(u));
  }
  hurdle::ExpectBuffer buffer(hurdle::ExpectBuffer::Limits{256, 4096});
  buffer.add_watcher("panic", "(?m)^panic ");
  hurdle::ExpectScan scan({"login: $"});
  bool found = false;
  for (std::size_t at = 0; at < whole.size() && !found; at += 97) {
    buffer.append(std::string_view(whole).substr(at, 97));
    if (buffer.end_offset() - buffer.consumed_offset() > 4096)
      hurdle::fuzz::finding("the unconsumed text outgrew max_history");
    while (auto match = buffer.search(scan)) found = found || match->text == "login: ";
  }
  if (!found) hurdle::fuzz::finding("the login prompt printed last was not found");
  return 0;
}
