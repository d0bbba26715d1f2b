#include "ssh/host_key_pin.hpp"

#include <fstream>

#include "core/error.hpp"

namespace hurdle {

HostKeyPin::HostKeyPin(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  HostKey key;
  if (in >> key.type >> key.fingerprint) pinned_ = key;
}

void HostKeyPin::check(const std::string& machine, const HostKey& seen) {
  if (!pinned_) {
    pinned_ = seen;
    save();
    return;
  }
  if (*pinned_ != seen) {
    throw SshError(machine + ": the SSH host key changed: pinned " + pinned_->str() +
                   " for this run, but the guest now presents " + seen.str() + " (pin kept in " +
                   file_.string() + ")");
  }
}

void HostKeyPin::reset_to(const std::optional<HostKey>& key) {
  pinned_ = key;
  save();
}

void HostKeyPin::save() const {
  if (!pinned_) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
    return;
  }
  std::ofstream(file_, std::ios::trunc) << pinned_->str() << '\n';
}

}  // namespace hurdle
