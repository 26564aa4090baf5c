// Root tests of peapod-shim: real namespaces, overlay, cgroups, CRI logs, the socket protocol.
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <regex>

#include "runtime/shim_launcher.h"
#include "runtime/shim_protocol.h"
#include "testing/fixtures.h"
#include "testing/rootfs.h"

namespace peapod {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using runtime::ContainerSpec;
using testing::readFile;

const char* kControllers[] = {"cpu", "cpuacct", "memory", "pids"};

// A test-side daemon connection: requests with replies, events queued aside.
class Client {
 public:
  explicit Client(const std::string& sock) {
    auto fd = runtime::connectShim(sock);
    EXPECT_TRUE(fd.ok()) << fd.error().message();
    if (fd.ok()) fd_ = std::move(*fd);
  }
  json call(json req) {
    req["id"] = nextId_++;
    EXPECT_TRUE(runtime::sendMessage(fd_.get(), req).ok());
    while (true) {
      json m = next(std::chrono::seconds(10));
      if (m.is_null()) return json{{"ok", false}, {"error", "timeout"}};
      if (m.contains("event")) {
        events_.push_back(m);
        continue;
      }
      if (m["id"] == req["id"]) return m;
    }
  }
  // The next exit event for `name` (state object), or null after the timeout.
  json awaitExit(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if ((*it)["event"] == "exit" && (*it)["state"]["name"] == name) {
          json s = (*it)["state"];
          events_.erase(it);
          return s;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      json m = next(left);
      if (m.is_null()) return nullptr;
      if (m.contains("event")) events_.push_back(m);
    }
  }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }
  // Sends without waiting; the reply comes from next().
  int send(json req) {
    int id = nextId_++;
    req["id"] = id;
    EXPECT_TRUE(runtime::sendMessage(fd_.get(), req).ok());
    return id;
  }
  json next(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return nullptr;
    auto m = runtime::recvMessage(fd_.get());
    return m.ok() ? *m : json(nullptr);
  }

 private:
  sys::UniqueFd fd_;
  int nextId_ = 1;
  std::deque<json> events_;
};

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    shimBinary_ = std::string(PEAPOD_BUILD_DIR) + "/bin/peapod-shim";
    if (!fs::exists(shimBinary_)) GTEST_SKIP() << "build the peapod-shim target first: " << shimBinary_;
    rootfs_ = tmp_ / "rootfs";
    testing::makeBusyboxRootfs(rootfs_);
    runDir_ = tmp_ / "run";
    fs::create_directories(runDir_);
    cgroupTop_ = "peapod-test-" + testing::randomSuffix();
    spec_.podUid = "uid-1";
    spec_.podName = "pod1";
    spec_.podNamespace = "default";
    spec_.hostname = "pod1-host";
    spec_.runDir = runDir_.string();
    spec_.cgroupParent = cgroupTop_ + "/pod1";
    spec_.shmSizeBytes = 4 << 20;
    auto pid = runtime::launchShim(shimBinary_, spec_);
    ASSERT_TRUE(pid.ok()) << pid.error().message() << "\n" << readFile(runDir_ / "shim.log");
    shimPid_ = *pid;
    client_ = std::make_unique<Client>(socketPath());
  }

  void TearDown() override {
    client_.reset();
    if (shimPid_ > 0) {
      ::kill(shimPid_, SIGKILL);  // its containers die with it (PDEATHSIG)
      ::waitpid(shimPid_, nullptr, 0);
    }
    for (const char* c : kControllers) {
      fs::path top = fs::path("/sys/fs/cgroup") / c / cgroupTop_;
      std::error_code ec;
      if (!fs::exists(top, ec)) continue;
      // Deepest first; the kernel frees a cgroup shortly after its last task.
      for (auto dir : {top / "pod1" / "a", top / "pod1" / "b", top / "pod1", top}) {
        testing::waitUntil([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT; }, std::chrono::seconds(2));
      }
    }
  }

  std::string socketPath() const { return (runDir_ / "shim.sock").string(); }

  ContainerSpec container(const std::string& name, std::vector<std::string> args) {
    ContainerSpec c;
    c.name = name;
    c.rootfsLayers = {rootfs_.string()};
    c.args = std::move(args);
    c.env = {"PATH=/bin", "HOME=/root"};
    c.logPath = (tmp_ / "logs" / (name + ".log")).string();
    return c;
  }

  json start(const ContainerSpec& c) { return client_->call({{"op", "start"}, {"spec", runtime::toJson(c)}}); }

  // Runs a container to completion; returns its exit state (null on timeout).
  json run(const ContainerSpec& c) {
    json r = start(c);
    EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
    if (!r["ok"].get<bool>()) return nullptr;
    return client_->awaitExit(c.name);
  }

  // The stdout content lines of a finished container's CRI log.
  std::vector<std::string> stdoutLines(const ContainerSpec& c) {
    std::vector<std::string> out;
    std::istringstream in(readFile(c.logPath));
    std::string line;
    std::regex re(R"(^\S+ stdout F (.*)$)");
    std::smatch m;
    while (std::getline(in, line)) {
      if (std::regex_match(line, m, re)) out.push_back(m[1]);
    }
    return out;
  }

  testing::TempDir tmp_{"peapod-shim"};
  fs::path rootfs_, runDir_;
  std::string shimBinary_, cgroupTop_;
  runtime::SandboxSpec spec_;
  int shimPid_ = 0;
  std::unique_ptr<Client> client_;
};

TEST_F(ShimTest, ExitCodeAndCriLogs) {
  auto c = container("a", {"sh", "-c", "echo hello; echo err >&2; exit 3"});
  json st = run(c);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(st["exitCode"], 3);
  EXPECT_EQ(st["signal"], 0);
  EXPECT_FALSE(st["running"].get<bool>());
  EXPECT_NE(st["finishedAt"], "");
  std::string log = readFile(c.logPath);
  EXPECT_TRUE(std::regex_search(log, std::regex(R"((^|\n)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F hello\n)"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"((^|\n)\S+Z stderr F err\n)"))) << log;
}

TEST_F(ShimTest, ContainersShareUtsAndNetButNotMounts) {
  std::string script = "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/mnt; readlink /proc/self/ns/ipc";
  auto a = container("a", {"sh", "-c", script});
  auto b = container("b", {"sh", "-c", script});
  ASSERT_TRUE(start(a)["ok"].get<bool>());
  ASSERT_TRUE(start(b)["ok"].get<bool>());
  ASSERT_FALSE(client_->awaitExit("a").is_null());
  ASSERT_FALSE(client_->awaitExit("b").is_null());
  auto la = stdoutLines(a), lb = stdoutLines(b);
  ASSERT_EQ(la.size(), 4u) << readFile(a.logPath);
  ASSERT_EQ(lb.size(), 4u) << readFile(b.logPath);
  EXPECT_EQ(la[0], "pod1-host");
  EXPECT_EQ(lb[0], "pod1-host");
  EXPECT_EQ(la[1], lb[1]);  // net
  EXPECT_NE(la[2], lb[2]);  // mnt
  EXPECT_EQ(la[3], lb[3]);  // ipc
  char hostNet[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/net", hostNet, sizeof hostNet - 1), 0);
  EXPECT_NE(la[1], hostNet);
}

TEST_F(ShimTest, VolumesAndSharedShm) {
  fs::create_directories(tmp_ / "vol");
  std::ofstream(tmp_ / "vol" / "in") << "from-host\n";
  auto a = container("a", {"sh", "-c", "cat /data/in; echo shm-hi > /dev/shm/x; echo out > /data/out"});
  a.mounts = {{(tmp_ / "vol").string(), "/data", false}};
  json st = run(a);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(st["exitCode"], 0) << readFile(a.logPath);
  EXPECT_EQ(stdoutLines(a), std::vector<std::string>{"from-host"});
  EXPECT_EQ(readFile(tmp_ / "vol" / "out"), "out\n");
  auto b = container("b", {"cat", "/dev/shm/x"});
  st = run(b);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(stdoutLines(b), std::vector<std::string>{"shm-hi"});
}

TEST_F(ShimTest, ReadOnlyBindMountAndFileMount) {
  fs::create_directories(tmp_ / "ro");
  std::ofstream(tmp_ / "hosts") << "127.0.0.1 localhost pod1-host\n";
  auto a = container("a", {"sh", "-c", "cat /etc/hosts; touch /ro/x && echo wrote; echo rw > /tmp/ok; cat /tmp/ok"});
  a.mounts = {{(tmp_ / "ro").string(), "/ro", true}, {(tmp_ / "hosts").string(), "/etc/hosts", true}};
  json st = run(a);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(stdoutLines(a), (std::vector<std::string>{"127.0.0.1 localhost pod1-host", "rw"})) << readFile(a.logPath);
  EXPECT_FALSE(fs::exists(tmp_ / "ro" / "x"));
  EXPECT_NE(readFile(a.logPath).find("Read-only file system"), std::string::npos);
  EXPECT_FALSE(fs::exists(rootfs_ / "tmp" / "ok"));  // writes land in the tmpfs upper layer
}

TEST_F(ShimTest, SignalKillReportsSignal) {
  auto a = container("a", {"sleep", "1000"});
  ASSERT_TRUE(start(a)["ok"].get<bool>());
  json r = client_->call({{"op", "signal"}, {"name", "a"}, {"signal", 9}});
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
  json st = client_->awaitExit("a");
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(st["signal"], 9);
  EXPECT_EQ(st["exitCode"], 137);
  r = client_->call({{"op", "signal"}, {"name", "a"}, {"signal", 9}});
  EXPECT_FALSE(r["ok"].get<bool>());
  r = client_->call({{"op", "signal"}, {"name", "nope"}, {"signal", 9}});
  EXPECT_FALSE(r["ok"].get<bool>());
}

TEST_F(ShimTest, ExecErrors) {
  json r = start(container("a", {"nosuchcmd"}));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["error"], "start container \"a\": exec: \"nosuchcmd\": executable file not found in $PATH");
  r = start(container("b", {"/bin/nope"}));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_NE(r["error"].get<std::string>().find("exec: \"/bin/nope\""), std::string::npos) << r.dump();
  auto bad = container("c", {"true"});
  bad.rootfsLayers = {(tmp_ / "missing-layer").string()};
  r = start(bad);
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_NE(r["error"].get<std::string>().find("mount overlay on "), std::string::npos) << r.dump();
  // Nothing of the failed starts is left behind.
  for (const char* c : kControllers) {
    EXPECT_FALSE(fs::exists(fs::path("/sys/fs/cgroup") / c / spec_.cgroupParent / "a"));
  }
  r = client_->call({{"op", "state"}});
  EXPECT_TRUE(r["containers"].empty()) << r.dump();
}

TEST_F(ShimTest, UserWorkingDirEnvAndRestart) {
  auto a = container("a", {"sh", "-c", "id -u; id -g; pwd; echo $FOO"});
  a.uid = 65534;
  a.gid = 65534;
  a.workingDir = "/work/dir";
  a.env.push_back("FOO=bar");
  json st = run(a);
  ASSERT_FALSE(st.is_null());
  EXPECT_EQ(stdoutLines(a), (std::vector<std::string>{"65534", "65534", "/work/dir", "bar"})) << readFile(a.logPath);
  // Same name again: a restart replaces the record; a running one cannot be started twice.
  auto again = container("a", {"sleep", "1000"});
  ASSERT_TRUE(start(again)["ok"].get<bool>());
  EXPECT_FALSE(start(again)["ok"].get<bool>());
  json r = client_->call({{"op", "state"}});
  ASSERT_EQ(r["containers"].size(), 1u);
  EXPECT_TRUE(r["containers"][0]["running"].get<bool>());
}

TEST_F(ShimTest, DaemonReconnectsAndGetsState) {
  ASSERT_TRUE(start(container("a", {"sleep", "1000"}))["ok"].get<bool>());
  client_->close();
  Client second(socketPath());
  json r = second.call({{"op", "state"}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  ASSERT_EQ(r["containers"].size(), 1u);
  EXPECT_EQ(r["containers"][0]["name"], "a");
  EXPECT_TRUE(r["containers"][0]["running"].get<bool>());
  EXPECT_EQ(::kill(shimPid_, 0), 0);
}

TEST_F(ShimTest, ShutdownLeavesNothing) {
  ASSERT_TRUE(start(container("a", {"sleep", "1000"}))["ok"].get<bool>());
  json r = start(container("b", {"sleep", "1000"}));
  ASSERT_TRUE(r["ok"].get<bool>());
  int pidB = r["state"]["pid"];
  r = client_->call({{"op", "shutdown"}});
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
  int status = 0;
  ASSERT_EQ(::waitpid(shimPid_, &status, 0), shimPid_);
  shimPid_ = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(::kill(pidB, 0), -1);
  for (const char* c : kControllers) {
    EXPECT_FALSE(fs::exists(fs::path("/sys/fs/cgroup") / c / spec_.cgroupParent)) << c;
  }
  EXPECT_EQ(readFile("/proc/self/mountinfo").find(runDir_.string()), std::string::npos);
  EXPECT_FALSE(fs::exists(runDir_ / "shim.sock"));
}

// --- exec: a command inside a running container ---

std::string nsLink(int pid, const char* ns) {
  char buf[64] = {};
  ::readlink(("/proc/" + std::to_string(pid) + "/ns/" + ns).c_str(), buf, sizeof buf - 1);
  return buf;
}

size_t lineCount(const std::string& path) {
  std::string s = readFile(path);
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(ShimTest, ExecRunsInsideTheContainer) {
  auto a = container("a", {"sleep", "1000"});
  a.uid = 65534;
  a.gid = 65534;
  a.workingDir = "/work/dir";
  a.env.push_back("FOO=bar");
  json r = start(a);
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  int pid = r["state"]["pid"];
  r = client_->call({{"op", "exec"}, {"name", "a"}, {"timeoutMs", 5000},
                     {"command", {"sh", "-c", "echo $FOO; pwd; id -u; readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid; "
                                              "grep -vc :/$ /proc/self/cgroup; echo err >&2; exit 3"}}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_EQ(r["exitCode"], 3);
  std::string want = "bar\n/work/dir\n65534\n" + nsLink(pid, "mnt") + "\n" + nsLink(pid, "pid") + "\n";
  std::string out = r["output"];
  EXPECT_EQ(out.substr(0, want.size()), want) << out;
  EXPECT_NE(out.find("\nerr\n"), std::string::npos) << out;
  // In the container's cgroup and its cgroup namespace: every hierarchy reads "/", as for the
  // main process (the shim's cgroup or namespace would show a path).
  EXPECT_EQ(out.substr(want.size(), 2), "0\n") << out;
  EXPECT_FALSE(r["truncated"].get<bool>());
}

TEST_F(ShimTest, ExecErrorsAndOutputCap) {
  ASSERT_TRUE(start(container("a", {"sleep", "1000"}))["ok"].get<bool>());
  json r = client_->call({{"op", "exec"}, {"name", "a"}, {"command", {"nosuchcmd"}}});
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_NE(r["error"].get<std::string>().find("executable file not found in $PATH"), std::string::npos) << r.dump();
  r = client_->call({{"op", "exec"}, {"name", "nope"}, {"command", {"true"}}});
  EXPECT_FALSE(r["ok"].get<bool>());
  r = client_->call({{"op", "exec"}, {"name", "a"}, {"command", json::array()}});
  EXPECT_FALSE(r["ok"].get<bool>());
  r = client_->call({{"op", "exec"}, {"name", "a"}, {"command", {"sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done"}}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_EQ(r["exitCode"], 0);
  EXPECT_EQ(r["output"].get<std::string>().size(), runtime::kExecOutputLimit);
  EXPECT_TRUE(r["truncated"].get<bool>());
}

TEST_F(ShimTest, ExecTimeoutKillsItsProcessGroup) {
  ASSERT_TRUE(start(container("a", {"sleep", "1000"}))["ok"].get<bool>());
  std::string procs = "/sys/fs/cgroup/pids/" + spec_.cgroupParent + "/a/cgroup.procs";
  auto start = std::chrono::steady_clock::now();
  json r = client_->call({{"op", "exec"}, {"name", "a"}, {"timeoutMs", 300},
                          {"command", {"sh", "-c", "sleep 1000 & sleep 1000"}}});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_TRUE(r.value("timedOut", false)) << r.dump();
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(3));
  // Only the container's own process is left in its cgroup.
  EXPECT_TRUE(testing::waitUntil([&] { return lineCount(procs) == 1; },
                                 std::chrono::seconds(3)))
      << readFile(procs);
}

TEST_F(ShimTest, ExecDoesNotBlockOtherRequestsAndDiesWithItsClient) {
  ASSERT_TRUE(start(container("a", {"sleep", "1000"}))["ok"].get<bool>());
  int slow = client_->send({{"op", "exec"}, {"name", "a"}, {"command", {"sh", "-c", "sleep 0.5; echo done"}}});
  int quick = client_->send({{"op", "state"}});
  json first = client_->next(std::chrono::seconds(5));
  EXPECT_EQ(first["id"], quick) << first.dump();
  json second = client_->next(std::chrono::seconds(5));
  EXPECT_EQ(second["id"], slow) << second.dump();
  EXPECT_EQ(second["output"], "done\n");

  std::string procs = "/sys/fs/cgroup/pids/" + spec_.cgroupParent + "/a/cgroup.procs";
  client_->send({{"op", "exec"}, {"name", "a"}, {"command", {"sleep", "1000"}}});
  ASSERT_TRUE(testing::waitUntil([&] { return lineCount(procs) == 2; },
                                 std::chrono::seconds(3)));
  client_->close();  // nobody left to read the result: the exec is killed
  EXPECT_TRUE(testing::waitUntil([&] { return lineCount(procs) == 1; },
                                 std::chrono::seconds(3)))
      << readFile(procs);
  Client again(socketPath());
  EXPECT_TRUE(again.call({{"op", "state"}})["ok"].get<bool>());
}

}  // namespace
}  // namespace peapod
