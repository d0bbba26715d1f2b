#include "core/atomic_file.hpp"

#include <unistd.h>

#include <fstream>

#include "core/error.hpp"

namespace hurdle {

void write_file_atomically(const std::filesystem::path& file, std::string_view content) {
  const auto parent = file.parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const std::filesystem::path tmp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw HostError("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw HostError("cannot move " + tmp.string() + " into place at " + file.string());
  }
}

}  // namespace hurdle
