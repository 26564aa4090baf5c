#include "testing/peapod_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "network/bridge.h"
#include "testing/fixtures.h"

extern char** environ;

namespace peapod::testing {
namespace fs = std::filesystem;

namespace {

fs::path buildDir() {
#ifdef PEAPOD_BUILD_DIR
  return PEAPOD_BUILD_DIR;
#else
  return "build";
#endif
}

std::string slurp(const fs::path& p) { return readFile(p); }

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& input) {
  TempDir io("peapod-cmd");
  std::ofstream(io / "in") << input;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, (io / "in").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (io / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, (io / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  CommandResult r;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    r.err = "spawn " + argv[0] + " failed";
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(io / "out");
  r.err = slurp(io / "err");
  return r;
}

PeapodDaemon::PeapodDaemon(std::vector<std::string> extraFlags) : extraFlags_(std::move(extraFlags)) {
  std::string suffix = randomSuffix(6);
  root_ = fs::path("/tmp") / ("peapod-e2e-" + suffix);
  fs::create_directories(root_);
  bridge_ = "ppe" + suffix;
  // A /24 in 10.213.0.0/16, the range the project's tests keep to.
  cidr_ = "10.213." + std::to_string(std::stoi(suffix.substr(0, 2), nullptr, 16)) + ".0/24";
  cgroupParent_ = "peapod-e2e-" + suffix;
  start();
  auto r = peapod({"image", "import", (buildDir() / "images" / "busybox").string()});
  if (r.exitCode != 0) throw std::runtime_error("image import failed: " + r.err);
}

void PeapodDaemon::start() {
  std::vector<std::string> argv = {(buildDir() / "bin" / "peapod").string(),
                                   "daemon",
                                   "--data-dir", (root_ / "data").string(),
                                   "--run-dir", (root_ / "run").string(),
                                   "--log-dir", (root_ / "log").string(),
                                   "--listen", server(),
                                   "--bridge", bridge_,
                                   "--pod-cidr", cidr_,
                                   "--cgroup-parent", cgroupParent_,
                                   "--manifest-dir", (root_ / "manifests").string(),
                                   "--node-name", "peapod-e2e"};
  argv.insert(argv.end(), extraFlags_.begin(), extraFlags_.end());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, (root_ / "daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) throw std::runtime_error("spawn daemon");
  posix_spawn_file_actions_destroy(&fa);
  bool up = waitUntil([&] { return peapod({"get", "pods"}).exitCode == 0; }, std::chrono::seconds(10));
  if (!up) throw std::runtime_error("daemon did not come up: " + slurp(root_ / "daemon.log"));
}

void PeapodDaemon::stop(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void PeapodDaemon::restart(int signal) {
  stop(signal);
  start();
}

PeapodDaemon::~PeapodDaemon() {
  auto list = peapod({"get", "pods", "-A", "-o", "json"});
  if (list.exitCode == 0) {
    auto j = nlohmann::json::parse(list.out, nullptr, false);
    if (!j.is_discarded()) {
      for (const auto& p : j["items"]) {
        peapod({"delete", "pod", p["metadata"]["name"], "-n", p["metadata"]["namespace"], "--grace-period=0",
                "--force"});
      }
    }
    // A forced deletion removes the object at once; its shims go right after.
    waitUntil([&] { return shimProcessesUnder(root_ / "run").empty(); }, std::chrono::seconds(10));
  }
  stop();
  (void)network::deleteBridge(bridge_);
  for (const char* ctrl : {"cpu", "cpuacct", "memory", "pids", "unified", ""}) {
    std::error_code ec;
    fs::path dir = fs::path("/sys/fs/cgroup") / ctrl / cgroupParent_;
    if (fs::exists(dir, ec)) ::rmdir(dir.c_str());
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

CommandResult PeapodDaemon::peapod(const std::vector<std::string>& args, const std::string& input) const {
  std::vector<std::string> argv = {(buildDir() / "bin" / "peapod").string(), "--server", server()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, input);
}

CommandResult PeapodDaemon::apply(const std::string& yaml) const { return peapod({"apply", "-f", "-"}, yaml); }

nlohmann::json PeapodDaemon::pod(const std::string& name) const {
  auto r = peapod({"get", "pod", name, "-o", "json"});
  if (r.exitCode != 0) return nullptr;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

bool PeapodDaemon::waitPod(const std::string& name, const std::function<bool(const nlohmann::json&)>& pred,
                           std::chrono::milliseconds timeout) const {
  return waitUntil(
      [&] {
        auto p = pod(name);
        return !p.is_null() && pred(p);
      },
      timeout);
}

bool PeapodDaemon::waitGone(const std::string& name, std::chrono::milliseconds timeout) const {
  return waitUntil([&] { return pod(name).is_null(); }, timeout);
}

std::string PeapodDaemon::logs(const std::string& pod, const std::string& container) const {
  return peapod({"logs", pod, "-c", container}).out;
}

std::vector<std::string> shimProcessesUnder(const fs::path& runDir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string cmdline = slurp(e.path() / "cmdline");
    for (auto& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find("peapod-shim") != std::string::npos && cmdline.find(runDir.string()) != std::string::npos) {
      out.push_back(e.path().filename().string() + ": " + cmdline);
    }
  }
  return out;
}

std::vector<std::string> bridgePorts(const std::string& bridge) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path("/sys/class/net") / bridge / "brif", ec)) {
    out.push_back(e.path().filename().string());
  }
  return out;
}

std::vector<std::string> cgroupDirsUnder(const std::string& cgroupParent) {
  std::vector<std::string> out;
  for (const char* ctrl : {"cpu", "cpuacct", "memory", "pids", "unified", ""}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path("/sys/fs/cgroup") / ctrl / cgroupParent, ec)) {
      if (e.is_directory()) out.push_back(e.path().string());
    }
  }
  return out;
}

std::vector<std::string> mountsUnder(const fs::path& dir) {
  std::vector<std::string> out;
  std::istringstream in(slurp("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + dir.string()) != std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace peapod::testing
