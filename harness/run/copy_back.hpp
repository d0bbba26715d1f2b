// The --copy-back paths of `hurdle exec` and `hurdle vm exec` put in place: what the guest
// gave back (fetched into `copied`, the same relative paths) replaces the same path in the
// synced folder; a path the guest did not have stays as it is here. A path is never copied
// through a symbolic link on its way, in either folder (Error naming it), so a link the guest
// made cannot send a file outside the synced folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hurdle {

// Says each path copied back on standard error, after `who` ("hurdle exec").
void put_copied_back(const std::filesystem::path& sync, const std::vector<std::string>& paths,
                     const std::filesystem::path& copied, const std::string& who);

}  // namespace hurdle
