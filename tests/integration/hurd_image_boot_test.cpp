// The Hurd-shaped test disk (fixtures/guests/hurd-disk) fetched from a local server, prepared
// by the shipped recipes, and booted with the shipped Hurd profiles' machine settings under
// TCG: GRUB and the real GNU Mach print on the serial console only because of the preparation
// (unprepared, the serial port stays silent and the time-out brings a screenshot), the panic
// watcher stops QEMU at once, and a suite runs on it by lock name with the bases unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <pugixml.hpp>

#include "core/boost_process.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/private_folder.hpp"
#include "core/run_program.hpp"
#include "machine/machine.hpp"
#include "support/file_server.hpp"
#include "support/merged_output.hpp"
#include "support/paths.hpp"
#include "support/test_files.hpp"
#include "support/test_image_lock.hpp"

namespace hurdle {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FileServer;
using test::kAmd64Disk;
using ::testing::HasSubstr;

// The value of the JUnit property `name` (the first one), or "".
std::string property_of(const pugi::xml_document& doc, const std::string& name) {
  return doc.select_node(("//property[@name='" + name + "']").c_str())
      .node()
      .attribute("value")
      .value();
}

class HurdImageBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "served");
    fs::copy_file(test::hurd_disk_dir() / kAmd64Disk, dir_ / "served" / kAmd64Disk);
    server_ = std::make_unique<FileServer>(dir_ / "served", FileServer::Protocol::kHttp);
    test::TestImage vga = test::amd64_disk("hurd-test-unprepared", server_->url(kAmd64Disk));
    vga.prepare = {};
    test::write_test_lock(lock(), {test::amd64_disk("hurd-test", server_->url(kAmd64Disk)), vga});
  }
  [[nodiscard]] fs::path lock() const { return dir_ / "images.lock.yaml"; }
  [[nodiscard]] fs::path cache() const { return dir_ / "cache"; }

  MachineOptions options(const std::string& image, const std::string& logs) {
    MachineOptions o;
    o.accel = Accelerator::kTcg;
    o.image = image;
    o.images.lock = lock();
    o.images.cache_dir = cache();
    o.log_dir = dir_ / logs;
    o.profile_path = {test::source_dir() / "fixtures/machines"};
    return o;
  }

  // `hurdle run SUITE` with the test lock and cache, as a project would run it (its suites
  // name the shipped profiles); returns what it printed, and the JUnit file it wrote.
  ProgramResult run_suite(const fs::path& suite, fs::path& junit) {
    ::setenv("HURDLE_CACHE_DIR", cache().c_str(), 1);
    ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
    const fs::path reports = dir_ / ("reports-" + suite.stem().string());
    auto run = run_program({test::hurdle_program().string(), "run", suite.string(), "--image-lock",
                            lock().string(), "--accel", "tcg", "--report-dir", reports.string()});
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(reports, ec)) junit = d.path() / "junit.xml";
    return run;
  }

  PrivateFolder dir_{"hurd-boot"};
  std::unique_ptr<FileServer> server_;
};

class PreparedDisk : public HurdImageBoot, public ::testing::WithParamInterface<const char*> {};

TEST_P(PreparedDisk, GnuMachPrintsOnTheSerialConsoleAndThePanicStopsQemuAtOnce) {
  auto vm = Machine::from_profile(GetParam(), options("hurd-test", "logs"));
  ASSERT_TRUE(vm->profile().prepared_image.has_value());
  EXPECT_EQ(vm->profile().disks.at(0).file, vm->profile().prepared_image->disk);
  try {
    (void)vm->wait_for_boot();
    FAIL() << "booted past GNU Mach: there are no Hurd servers on the test disk";
  } catch (const ConsoleError& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnumach-panic seen on the console"));
    EXPECT_THAT(e.what(), HasSubstr("panic ../kern/bootstrap.c:181: bootstrap_create: No "
                                    "bootstrap code loaded with the kernel!"));
  }
  // Stopped by hurdle, not left to busy-wait for 1000 s.
  EXPECT_TRUE(vm->process().wait_for_exit(2s)) << "QEMU still runs 2 s after the panic";
  const std::string log = test::read_file(vm->log_dir() / "machine.log");
  EXPECT_THAT(log, HasSubstr("boot marker 'grub'"));
  EXPECT_THAT(log, HasSubstr("boot marker 'gnumach'"));
  EXPECT_THAT(log, HasSubstr("gnumach-panic seen on the console: panic ../kern/bootstrap.c:181"));
  const std::string console = test::read_file(vm->log_dir() / "console.txt");
  EXPECT_THAT(console, HasSubstr("Booting `Debian GNU/Hurd'"));
  EXPECT_THAT(console, HasSubstr("GNU Mach 1.8"));
}

INSTANTIATE_TEST_SUITE_P(ShippedProfiles, PreparedDisk,
                         ::testing::Values("hurd-amd64", "hurd-amd64-q35"), [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST_F(HurdImageBoot, UnpreparedTheSerialConsoleIsSilentAndTheTimeOutBringsAScreenshot) {
  const MachineOptions o = options("hurd-test-unprepared", "logs-unprepared");
  const fs::path file = find_machine_profile("hurd-amd64", profile_search_path(o.profile_path));
  MachineProfile profile =
      load_machine_profile(file, {}, {"hurd-test-unprepared", fetching_image_resolver(o.images)});
  profile.timeouts.boot = 8s;  // GRUB, the banner and the panic come within 3 s when prepared
  auto vm = Machine::start(profile, o);
  try {
    (void)vm->wait_for_boot();
    FAIL() << "a boot marker came on the serial console of an unprepared disk";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("The serial console printed nothing at all"));
    EXPECT_THAT(e.what(), HasSubstr("is the disk a prepared one?"));
    EXPECT_THAT(e.what(), HasSubstr((vm->log_dir() / "boot-timeout.png").string()));
  }
  EXPECT_EQ(vm->console().bytes_received(), 0u);
  const std::string png = test::read_file(vm->log_dir() / "boot-timeout.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // Nothing fired: the panic happened on the screen only.
  EXPECT_FALSE(vm->console().watcher_hit().has_value());
}

TEST_F(HurdImageBoot, WritesGoToTheOverlayAndTheBasesStayAsTheyWere) {
  MachineOptions o = options("hurd-test", "logs-writes");
  o.keep_running_after_panic = true;  // kept up to be written to after GNU Mach's panic
  auto vm = Machine::from_profile("hurd-amd64", o);
  const PreparedImage image = *vm->profile().prepared_image;
  // The guest writes nothing (it has no userland): QEMU writes for it, through the disk's
  // device, as a guest would. qemu-io reports on QEMU's stdout, which is qemu.log.
  std::string device;
  for (const auto& b : vm->qmp().execute("query-block"))
    if (b.contains("inserted") && b["inserted"].value("node-name", "") == "hd0") device = b["qdev"];
  ASSERT_FALSE(device.empty());
  const auto qemu_io = [&](const std::string& command) {
    (void)vm->qmp().execute("human-monitor-command",
                            {{"command-line", "qemu-io -d " + device + " \"" + command + "\""}});
  };
  vm->console().wait_for_watcher(60s);
  EXPECT_TRUE(vm->running()) << "keep_running_after_panic was not honoured";
  qemu_io("write -P 0xab 0 1M");
  qemu_io("read -P 0xab 0 1M");
  const std::string qemu_log = test::read_file(vm->log_dir() / "qemu.log");
  EXPECT_THAT(qemu_log, HasSubstr("wrote 1048576/1048576 bytes at offset 0"));
  EXPECT_THAT(qemu_log, HasSubstr("read 1048576/1048576 bytes at offset 0"));
  EXPECT_THAT(qemu_log, ::testing::Not(HasSubstr("Pattern verification failed")));
  vm.reset();
  EXPECT_EQ(file_digest(image.disk, DigestAlgorithm::kSha256), image.disk_sha256);
  const fs::path artifact =
      cache() / "images/artifacts" / ("sha512-" + image.artifact.hex) / kAmd64Disk;
  EXPECT_EQ(file_digest(artifact, DigestAlgorithm::kSha512), image.artifact);
}

TEST_F(HurdImageBoot, ASuiteRunsOnAHurdProfileByImageNameAndReportsItsDigests) {
  const fs::path suite = dir_ / "hurd-test.yaml";
  std::ofstream(suite) << R"(suite: hurd-test
machine: hurd-amd64
image: hurd-test
defaults:
  reset: reboot   # GNU Mach panics within seconds: nothing to snapshot
boot:
  wait_for_boot: false
scenarios:
  - name: banner-on-serial
    description: the prepared grub.cfg gives GNU Mach console=com0
    steps:
      - console.expect: { patterns: ['GNU Mach \S+'], timeout: 60s }
      - expect_panic: { timeout: 30s }
  - name: boots-again-after-the-panic
    description: the panic stopped QEMU; the runner starts the machine afresh
    steps:
      - console.expect: { patterns: ['GNU Mach \S+'], timeout: 60s }
)";
  fs::path junit;
  const auto run = run_suite(suite, junit);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("PASS   hurd-test.banner-on-serial"));
  EXPECT_THAT(run.out, HasSubstr("PASS   hurd-test.boots-again-after-the-panic"));
  EXPECT_THAT(run.err, HasSubstr("hurdle: hurd-test is ready: "));  // fetched on first use

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  const auto property = [&](const std::string& name) { return property_of(doc, name); };
  EXPECT_EQ(property("image.hd0.lock_entry"), "hurd-test");
  EXPECT_EQ(property("image.hd0.artifact"), test::fixture_digest(kAmd64Disk));
  EXPECT_EQ(property("image.hd0.url"), server_->url(kAmd64Disk));
  EXPECT_EQ(property("image.hd0.sha256").size(), 64u);

  // The download and the prepared base are what the cache recorded.
  const auto verify = run_program(
      {test::hurdle_program().string(), "image", "--lock", lock().string(), "verify", "hurd-test"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("disk.qcow2: ok"));
}

// A first user's run on an entry without a digest, whose first URL is gone: the second URL
// serves it, the server's SHA512SUMS over HTTPS gives the digest, and the report and `hurdle
// image list` say which URL served it and that it was not pinned, with the command that pins it.
TEST_F(HurdImageBoot, AnUnpinnedImageFromItsSecondUrlIsSaidSoInTheReport) {
  fs::copy_file(test::hurd_disk_dir() / "SHA512SUMS", dir_ / "served/SHA512SUMS");
  FileServer https(dir_ / "served", FileServer::Protocol::kHttps);
  test::TestImage entry = test::amd64_disk("hurd-test", https.url("gone/" + kAmd64Disk));
  entry.urls.push_back(https.url(kAmd64Disk));
  entry.digest.reset();
  test::write_test_lock(lock(), {entry});
  ::setenv("CURL_CA_BUNDLE", https.ca_file().c_str(), 1);
  const fs::path suite = dir_ / "unpinned.yaml";
  std::ofstream(suite) << R"(suite: unpinned
machine: hurd-amd64
image: hurd-test
defaults:
  reset: reboot
boot:
  wait_for_boot: false
scenarios:
  - name: banner
    steps:
      - console.expect: { patterns: ['GNU Mach \S+'], timeout: 60s }
)";
  fs::path junit;
  const auto run = run_suite(suite, junit);
  ::unsetenv("CURL_CA_BUNDLE");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("has no digest in the lock: its first use here takes"));
  EXPECT_EQ(https.served("gone/" + kAmd64Disk).requests, 1);

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  const auto property = [&](const std::string& name) { return property_of(doc, name); };
  EXPECT_EQ(property("image.hd0.url"), https.url(kAmd64Disk));
  EXPECT_EQ(property("image.hd0.pinned"), "false");
  EXPECT_EQ(property("image.hd0.artifact"), test::fixture_digest(kAmd64Disk));
  EXPECT_THAT(property("image.unpinned"),
              HasSubstr("verified against the server's checksum list " + https.url("SHA512SUMS")));
  const auto summary =
      run_program({test::hurdle_program().string(), "report", "summary", junit.string()});
  EXPECT_THAT(summary.out, HasSubstr("**Image not pinned:** hurd-test was verified against"));
  EXPECT_THAT(summary.out, HasSubstr("hurdle image pin hurd-test"));

  const auto list =
      run_program({test::hurdle_program().string(), "image", "--lock", lock().string(), "list"});
  EXPECT_THAT(list.out, HasSubstr("    " + https.url("gone/" + kAmd64Disk) + "\n"));
  EXPECT_THAT(list.out,
              HasSubstr("    " + https.url(kAmd64Disk) + "  (served the cached download)"));
  EXPECT_THAT(list.out, HasSubstr("not pinned: " + test::fixture_digest(kAmd64Disk) + " from " +
                                  https.url("SHA512SUMS")));
}

TEST_F(HurdImageBoot, ABootThatStallsInARunIsAnErrorWithTheScreenAttached) {
  // The hurd-amd64 profile with a short boot time-out, on the unprepared disk: no boot marker
  // ever comes on the serial console.
  std::string profile = test::read_file(test::source_dir() / "fixtures/machines/hurd-amd64.yaml");
  profile.replace(profile.find("  boot: 15m"), 11, "  boot: 8s");
  std::ofstream(dir_ / "hurd-amd64-short.yaml") << profile;
  const fs::path suite = dir_ / "stalls.yaml";
  std::ofstream(suite)
      << "suite: stalls\nmachine: hurd-amd64-short.yaml\n"
         "image: hurd-test-unprepared\n"
         "scenarios:\n  - name: never-runs\n    steps:\n      - qmp: { command: query-status }\n";
  fs::path junit;
  const auto run = run_suite(suite, junit);
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("ERROR  stalls.never-runs"));
  EXPECT_THAT(run.err, HasSubstr("The serial console printed nothing at all"));
  const std::string xml = test::read_file(junit);
  EXPECT_THAT(xml, HasSubstr("boot-timeout.png]]"));
  EXPECT_THAT(xml, HasSubstr("The serial console printed nothing at all"));
  EXPECT_THAT(xml, HasSubstr("<error"));
  EXPECT_GT(fs::file_size(junit.parent_path() / "stalls/machine/boot-timeout.png"), 1000u);
}

TEST_F(HurdImageBoot, SigintWhileTheImageDownloadsEndsTheRunAtOnceAndKeepsTheDownload) {
  namespace bp = boost::process::v2;
  server_->set_pace(std::chrono::milliseconds(1000));  // ~6 s for the whole file
  const fs::path suite = dir_ / "interrupted.yaml";
  std::ofstream(suite)
      << "suite: interrupted\nmachine: hurd-amd64\nimage: hurd-test\n"
         "scenarios:\n  - name: never-runs\n    steps:\n      - qmp: { command: query-status }\n";
  ::setenv("HURDLE_CACHE_DIR", cache().c_str(), 1);
  ::setenv("HURDLE_PROFILE_PATH", (test::source_dir() / "fixtures/machines").c_str(), 1);
  const fs::path reports = dir_ / "reports-interrupted";
  boost::asio::io_context ctx;
  test::MergedOutput out(ctx);
  bp::process p(ctx, test::hurdle_program().string(),
                {"run", suite.string(), "--image-lock", lock().string(), "--accel", "tcg",
                 "--report-dir", reports.string()},
                bp::process_stdio{nullptr, out.fd(), out.fd()});
  for (int i = 0; i < 100 && server_->served(kAmd64Disk).body_bytes == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GT(server_->served(kAmd64Disk).body_bytes, 0u) << "the download never started";
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(p.id(), SIGINT);
  std::string text;
  text = out.read_all();
  const int status = p.wait();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  EXPECT_EQ(status, 3) << text;
  EXPECT_LT(took, 3.0) << "the download went on after SIGINT:\n" << text;
  EXPECT_THAT(text, HasSubstr("interrupted"));
  EXPECT_LT(server_->served(kAmd64Disk).body_bytes, fs::file_size(dir_ / "served" / kAmd64Disk));
  // The report is finished, and the part already downloaded waits for the next fetch.
  fs::path junit;
  for (const auto& d : fs::directory_iterator(reports)) junit = d.path() / "junit.xml";
  EXPECT_THAT(test::read_file(junit), HasSubstr("<error"));
  EXPECT_EQ(test::count_entries(cache() / "images/downloads"), 1u);
}

}  // namespace
}  // namespace hurdle
