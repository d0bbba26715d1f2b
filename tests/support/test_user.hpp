// A system user that exists for one test (the runner's user of a GitHub job, the user who runs a
// container), and what that user can do with the files a test left: needs root (useradd).
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/run_program.hpp"

namespace hurdle::test {

class TestUser {
 public:
  TestUser() : name_("hurdle-act-" + std::to_string(::getpid()) + "-" + std::to_string(++made_)) {
    const ProgramResult made = run_program(
        {"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name_});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    if (const passwd* pw = ::getpwnam(name_.c_str())) {
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
    }
  }
  ~TestUser() { (void)run_program({"userdel", name_}); }
  TestUser(const TestUser&) = delete;
  TestUser& operator=(const TestUser&) = delete;

  [[nodiscard]] uid_t uid() const { return uid_; }
  [[nodiscard]] gid_t gid() const { return gid_; }
  // UID:GID, as `podman run --user` takes it.
  [[nodiscard]] std::string ids() const {
    return std::to_string(uid_) + ":" + std::to_string(gid_);
  }
  // `argv` run as this user, without root's groups.
  [[nodiscard]] ProgramResult run(const std::vector<std::string>& argv) const {
    std::vector<std::string> as = {"setpriv", "--reuid=" + std::to_string(uid_),
                                   "--regid=" + std::to_string(gid_), "--clear-groups", "--"};
    as.insert(as.end(), argv.begin(), argv.end());
    return run_program(as);
  }

 private:
  static inline int made_ = 0;  // two users in one test are two users
  std::string name_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

// Every file under `root` that the user cannot read, one per line (empty: all readable).
inline std::string unreadable_by(const TestUser& user, const std::filesystem::path& root) {
  const ProgramResult r = user.run(
      {"find", root.string(), "(", "-type", "f", "-o", "-type", "d", ")", "!", "-readable"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Every file or folder under the roots owned by root (user or group), one per line.
inline std::string owned_by_root(const std::vector<std::filesystem::path>& roots) {
  std::vector<std::string> argv = {"find"};
  for (const auto& r : roots) argv.push_back(r.string());
  argv.insert(argv.end(), {"(", "-uid", "0", "-o", "-gid", "0", ")"});
  return run_program(argv).out;
}

inline unsigned mode_of(const std::filesystem::path& file) {
  struct stat st {};
  EXPECT_EQ(::lstat(file.c_str(), &st), 0) << file;
  return st.st_mode & 07777;
}

}  // namespace hurdle::test
