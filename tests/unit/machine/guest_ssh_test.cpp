// What a machine's SSH knows without a guest: which key the guest is to trust for each kind
// of `auth:`, whether hurdle can hand that key on (a saved machine, `hurdle vm`'s key file),
// and that an ephemeral key is never used before it is installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "machine/guest_ssh.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class GuestSshTest : public ::testing::Test {
 protected:
  GuestSsh make(SshSpec::Auth auth, const fs::path& key = {}) {
    SshSpec spec;
    spec.auth = auth;
    spec.key = key;
    return GuestSsh(spec, options());
  }
  GuestSshOptions options() {
    GuestSshOptions o;
    o.machine = "m1";
    o.host_key_file = dir_.path() / "ssh-host-key";
    o.log_file = dir_.path() / "ssh.log";
    o.owned_key_cache = dir_.path() / "cache";
    o.link = [] { return GuestSshLink{1, -1, {}}; };  // never reached: nothing connects here
    o.note = [](const std::string&) {};
    return o;
  }
  static unsigned mode_of(const fs::path& f) {
    struct stat st {};
    EXPECT_EQ(::stat(f.c_str(), &st), 0);
    return st.st_mode & 0777;
  }

  PrivateFolder dir_{"guest-ssh-test"};
};

TEST_F(GuestSshTest, AnEphemeralKeyIsMadeOnceAndOnlyThenCanBeSaved) {
  GuestSsh ssh = make(SshSpec::Auth::kEphemeralKey);
  EXPECT_FALSE(ssh.has_key());
  EXPECT_FALSE(ssh.save_key(dir_.path() / "none"));
  EXPECT_FALSE(fs::exists(dir_.path() / "none"));
  const auto first = ssh.key_to_install();
  ASSERT_TRUE(first);
  EXPECT_THAT(first->line, StartsWith("ssh-ed25519 "));
  EXPECT_THAT(first->line, HasSubstr(" hurdle-m1"));
  EXPECT_EQ(first->which, "this run's ed25519 key");
  EXPECT_EQ(ssh.key_to_install()->line, first->line);  // the same key, not a new one
  ASSERT_TRUE(ssh.save_key(dir_.path() / "key"));
  EXPECT_EQ(mode_of(dir_.path() / "key"), 0600U);
}

TEST_F(GuestSshTest, AnEphemeralKeyIsNotUsedBeforeTheConsoleInstalledIt) {
  GuestSsh ssh = make(SshSpec::Auth::kEphemeralKey);
  try {
    ssh.client();
    FAIL() << "a client before the key was installed";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), HasSubstr("log in on the console first"));
  }
  ssh.set_key_installed(true);
  EXPECT_NO_THROW(ssh.client());  // made, not connected
  EXPECT_FALSE(ssh.answering());
}

TEST_F(GuestSshTest, HurdlesOwnKeyIsTheCacheFoldersAndTheSameForEveryMachine) {
  GuestSsh a = make(SshSpec::Auth::kHurdleKey);
  GuestSsh b = make(SshSpec::Auth::kHurdleKey);
  const auto key = a.key_to_install();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->which, "hurdle's own ed25519 key");
  EXPECT_EQ(b.key_to_install()->line, key->line);
  EXPECT_TRUE(a.has_key());
  ASSERT_TRUE(a.save_key(dir_.path() / "owned"));
  EXPECT_EQ(mode_of(dir_.path() / "owned"), 0600U);
}

TEST_F(GuestSshTest, AProfilesOwnKeyIsCopiedPrivateAndAPasswordHasNone) {
  const fs::path own = dir_.path() / "id_test";
  std::ofstream(own) << "PRIVATE KEY TEXT\n";
  fs::permissions(own, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read);
  GuestSsh keyed = make(SshSpec::Auth::kKey, own);
  EXPECT_FALSE(keyed.key_to_install());  // nothing of hurdle's to install
  ASSERT_TRUE(keyed.save_key(dir_.path() / "copy"));
  EXPECT_EQ(mode_of(dir_.path() / "copy"), 0600U);
  std::ifstream in(dir_.path() / "copy");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "PRIVATE KEY TEXT");

  GuestSsh password = make(SshSpec::Auth::kPassword);
  EXPECT_FALSE(password.has_key());
  EXPECT_FALSE(password.key_to_install());
  EXPECT_FALSE(password.save_key(dir_.path() / "nothing"));
}

TEST_F(GuestSshTest, NoReconnectIsPendingUntilOneIsStarted) {
  GuestSsh ssh = make(SshSpec::Auth::kPassword);
  EXPECT_FALSE(ssh.reconnecting());
  EXPECT_FALSE(ssh.ready_at(true));
  EXPECT_FALSE(ssh.ready_after_restore(false));
  ssh.wait_for_reconnect();  // returns at once
  ssh.forget_reconnect();
}

}  // namespace
}  // namespace hurdle
