#include "pod_start/bench_env.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "network/bridge.h"

extern char** environ;

namespace peapod::bench {
namespace fs = std::filesystem;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string randomHex(size_t n) {
  std::random_device rd;
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back("0123456789abcdef"[rd() % 16]);
  return s;
}

// Third octets of 10.213.X.0/24 already routed on the host (other tests' bridges).
std::set<int> usedThirdOctets() {
  std::set<int> used;
  std::istringstream in(slurp("/proc/net/route"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string iface, dest;
    f >> iface >> dest;
    uint32_t d = static_cast<uint32_t>(std::stoul(dest, nullptr, 16));  // network byte order, as hex
    in_addr a{d};
    std::string s = inet_ntoa(a);
    if (s.rfind("10.213.", 0) == 0) used.insert(std::stoi(s.substr(7)));
  }
  return used;
}

std::string cmdlineOf(const fs::path& procDir) {
  std::string c = slurp(procDir / "cmdline");
  std::replace(c.begin(), c.end(), '\0', ' ');
  return c;
}

}  // namespace

std::map<std::string, long> smapsRollup(pid_t pid) {
  std::map<std::string, long> out;
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/smaps_rollup"));
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos || line.find("kB") == std::string::npos) continue;
    out[line.substr(0, colon)] = std::stol(line.substr(colon + 1));
  }
  return out;
}

long meminfoKiB(const std::string& field) {
  std::istringstream in(slurp("/proc/meminfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

BenchEnv::BenchEnv(fs::path buildDir)
    : buildDir_(std::move(buildDir)), suffix_(randomHex(6)), http_("") {
  root_ = fs::path("/tmp") / ("peapod-bench-" + suffix_);
  fs::create_directories(root_);
  bridge_ = "pbb" + suffix_;  // not "pp": that prefix is the pods' veths
  auto used = usedThirdOctets();
  int octet = static_cast<int>(std::random_device{}() % 256);
  for (int i = 0; i < 256 && used.count(octet); ++i) octet = (octet + 1) % 256;
  cidr_ = "10.213." + std::to_string(octet) + ".0/24";
  cgroupParent_ = "peapod-bench-" + suffix_;
  http_ = cli::HttpClient("unix://" + (root_ / "api.sock").string());
}

BenchEnv::~BenchEnv() {
  if (daemonPid_ > 0) stopDaemon();
  if (!cleaned_) cleanup();
}

bool BenchEnv::startDaemon(std::string* error, const std::string& wrapper) {
  std::vector<std::string> argv = {(buildDir_ / "bin" / "peapod").string(),
                                   "daemon",
                                   "--data-dir", (root_ / "data").string(),
                                   "--run-dir", (root_ / "run").string(),
                                   "--log-dir", (root_ / "log").string(),
                                   "--listen", "unix://" + (root_ / "api.sock").string(),
                                   "--bridge", bridge_,
                                   "--pod-cidr", cidr_,
                                   "--cgroup-parent", cgroupParent_};
  std::istringstream words(wrapper);
  std::vector<std::string> prefix{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (root_ / "daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, (root_ / "daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int err = posix_spawnp(&daemonPid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    daemonPid_ = -1;
    *error = "spawn " + argv[0] + ": " + std::strerror(err);
    return false;
  }
  auto t0 = Clock::now();
  while (msSince(t0) < 10000) {
    auto r = http_.request("GET", "/api/v1/namespaces/default/pods");
    if (r.ok() && r->status == 200) return true;
    int status;
    if (waitpid(daemonPid_, &status, WNOHANG) == daemonPid_) {
      daemonPid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  *error = "daemon did not come up: " + slurp(root_ / "daemon.log");
  return false;
}

void BenchEnv::stopDaemon() {
  if (daemonPid_ <= 0) return;
  // Under a wrapper (strace) the daemon is its child: signal the daemon itself.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string stat = slurp(e.path() / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream f(stat.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    f >> state >> ppid;
    if (ppid == daemonPid_ && cmdlineOf(e.path()).find(" daemon ") != std::string::npos) {
      ::kill(std::stoi(e.path().filename().string()), SIGTERM);
    }
  }
  ::kill(daemonPid_, SIGTERM);
  int status;
  waitpid(daemonPid_, &status, 0);
  daemonPid_ = -1;
}

std::vector<pid_t> BenchEnv::shimPids() const {
  std::vector<pid_t> out;
  std::string runDir = (root_ / "run").string() + "/";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename();
    if (!std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::string c = cmdlineOf(e.path());
    if (c.find("peapod-shim") != std::string::npos && c.find(runDir) != std::string::npos) {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

std::vector<pid_t> BenchEnv::containerPids() const {
  std::vector<pid_t> out;
  auto shims = shimPids();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename();
    if (!std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    pid_t pid = std::stoi(name);
    if (std::find(shims.begin(), shims.end(), pid) != shims.end()) continue;
    if (slurp(e.path() / "cgroup").find("/" + cgroupParent_ + "/") != std::string::npos) out.push_back(pid);
  }
  return out;
}

std::vector<std::string> BenchEnv::mountsUnderRoot() const {
  std::vector<std::string> out;
  std::istringstream in(slurp("/proc/self/mountinfo"));
  std::string line;
  std::string prefix = root_.string() + "/";
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, rootField, mountPoint;
    f >> id >> parent >> dev >> rootField >> mountPoint;
    if (mountPoint.rfind(prefix, 0) == 0 || mountPoint == root_.string()) out.push_back(mountPoint);
  }
  return out;
}

std::vector<fs::path> BenchEnv::cgroupParentDirs() const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& ctrl : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    fs::path dir = ctrl.path() / cgroupParent_;
    if (fs::is_directory(dir, ec)) out.push_back(dir);
  }
  return out;
}

std::vector<std::string> BenchEnv::leaks() const {
  std::vector<std::string> out;
  for (pid_t p : shimPids()) out.push_back("shim process " + std::to_string(p));
  for (pid_t p : containerPids()) out.push_back("container process " + std::to_string(p));
  // Host-side veths go with their pod's netns, asynchronously: give the kernel a moment.
  fs::path brif = fs::path("/sys/class/net") / bridge_ / "brif";
  auto t0 = Clock::now();
  std::error_code ec;
  while (msSince(t0) < 3000 && fs::exists(brif, ec) && !fs::is_empty(brif, ec)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& e : fs::directory_iterator(brif, ec)) out.push_back("veth " + e.path().filename().string());
  for (const auto& dir : cgroupParentDirs()) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_directory()) out.push_back("cgroup " + e.path().string());
    }
  }
  for (const auto& m : mountsUnderRoot()) out.push_back("mount " + m);
  return out;
}

void BenchEnv::cleanup() {
  cleaned_ = true;
  for (pid_t p : shimPids()) ::kill(p, SIGKILL);
  for (pid_t p : containerPids()) ::kill(p, SIGKILL);
  (void)network::deleteBridge(bridge_);
  auto mounts = mountsUnderRoot();
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  // Deepest first: a cgroup dir can only go once its children have.
  for (const auto& dir : cgroupParentDirs()) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      if (e.is_directory()) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) { return a.string() > b.string(); });
    for (const auto& d : dirs) ::rmdir(d.c_str());
    ::rmdir(dir.c_str());
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

}  // namespace peapod::bench
