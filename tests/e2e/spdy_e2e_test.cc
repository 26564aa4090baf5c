// End to end over SPDY/3.1: kubectl 1.20 exec (stdout, stdin, exit codes) and port-forward, the
// same port-forward with kubectl 1.35 (its WebSocket attempt falls back to SPDY) and
// `peapod port-forward`, against a busybox httpd inside a pod. Traffic stays on loopback and in
// the test's own pods.
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "testing/background.h"
#include "testing/fixtures.h"
#include "testing/kube_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SpdyE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    kube_ = new KubeDaemon();
    daemon_ = &kube_->daemon();
    // One pod for all: a shell to exec into and a web server with a page to fetch.
    auto r = daemon_->apply(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: spdy\nspec:\n  terminationGracePeriodSeconds: 1\n"
        "  containers:\n  - name: main\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
        "    command: [sh, -c, 'mkdir -p /www && echo hello-through-spdy > /www/index.html && "
        "exec httpd -f -p 8080 -h /www']\n");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    ready_ = daemon_->waitPod("spdy", [](const nlohmann::json& p) {
      return p["status"].value("phase", "") == "Running";
    }, 60s);
    if (!ready_) {
      why_ = new std::string(daemon_->pod("spdy").dump() + "\n" + readFile(daemon_->root() / "daemon.log"));
    }
  }
  static void TearDownTestSuite() {
    daemon_ = nullptr;
    delete kube_;
    kube_ = nullptr;
    delete why_;
    why_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    ASSERT_TRUE(ready_) << "the test pod never ran: " << (why_ ? *why_ : "");
  }
  CommandResult kubectl(const std::string& path, std::vector<std::string> args, const std::string& input = "") {
    return kube_->kubectl({"spdy", path}, args, input, 60);
  }
  static std::string requireKubectl(const std::string& version) { return kubectlPath(version); }

  // Forwards through `argv` (which prints "Forwarding from 127.0.0.1:PORT") and fetches the page.
  void fetchThrough(const std::vector<std::string>& argv) {
    BackgroundCommand pf(argv);
    std::string port = pf.waitFor(std::regex("Forwarding from 127\\.0\\.0\\.1:(\\d+)"), 30s);
    ASSERT_FALSE(port.empty()) << pf.output();
    // Twice: each connection is a new stream pair on the same SPDY connection.
    for (int i = 0; i < 2; ++i) {
      std::string resp = httpGetLoopback(std::stoi(port), "/index.html");
      EXPECT_NE(resp.find("200 OK"), std::string::npos) << resp << pf.output();
      EXPECT_NE(resp.find("hello-through-spdy"), std::string::npos) << resp;
    }
  }

  static inline KubeDaemon* kube_ = nullptr;
  static inline PeapodDaemon* daemon_ = nullptr;
  static inline bool ready_ = false;
  static inline std::string* why_ = nullptr;
};

TEST_F(SpdyE2E, Kubectl120ExecPrintsOutput) {
  std::string k = requireKubectl("1.20");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.20 is not installed (scripts/install-deps)";
  auto r = kubectl(k, {"exec", "spdy", "--", "echo", "hi"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
  r = kubectl(k, {"exec", "spdy", "--", "sh", "-c", "echo out; echo err >&2"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(SpdyE2E, Kubectl120ExecWithStdin) {
  std::string k = requireKubectl("1.20");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.20 is not installed";
  auto r = kubectl(k, {"exec", "-i", "spdy", "--", "cat"}, "data\nmore data\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "data\nmore data\n");
  // Bigger than SPDY's 64 KiB window both ways.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + "\n";
  r = kubectl(k, {"exec", "-i", "spdy", "--", "cat"}, big);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.size(), big.size());
  EXPECT_TRUE(r.out == big);
}

TEST_F(SpdyE2E, Kubectl120ExecExitCode) {
  std::string k = requireKubectl("1.20");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.20 is not installed";
  auto r = kubectl(k, {"exec", "spdy", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exitCode, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("command terminated with exit code 3"), std::string::npos) << r.err;
}

TEST_F(SpdyE2E, Kubectl120PortForward) {
  std::string k = requireKubectl("1.20");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.20 is not installed";
  fetchThrough({k, "--kubeconfig", kube_->kubeconfig().string(), "port-forward", "spdy", ":8080"});
}

TEST_F(SpdyE2E, Kubectl135PortForwardTunnelsSpdyInWebSocket) {
  std::string k = requireKubectl("1.35");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.35 is not installed";
  fetchThrough({k, "--kubeconfig", kube_->kubeconfig().string(), "port-forward", "pod/spdy", ":8080"});
  EXPECT_NE(readFile(daemon_->root() / "daemon.log").find("port-forward default/spdy: SPDY/3.1 tunnelled in WebSocket"),
            std::string::npos);
}

TEST_F(SpdyE2E, Kubectl135PortForwardFallsBackToPlainSpdy) {
  std::string k = requireKubectl("1.35");
  if (k.empty()) GTEST_SKIP() << "kubectl 1.35 is not installed";
  // With WebSocket port-forward switched off in the client, it speaks SPDY over the upgraded HTTP.
  setenv("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false", 1);
  fetchThrough({k, "--kubeconfig", kube_->kubeconfig().string(), "port-forward", "pod/spdy", ":8080"});
  unsetenv("KUBECTL_PORT_FORWARD_WEBSOCKETS");
}

TEST_F(SpdyE2E, PeapodPortForward) {
  fetchThrough({(fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "--server", daemon_->server(),
                "port-forward", "spdy", ":8080"});
}

TEST_F(SpdyE2E, PeapodPortForwardReportsARefusedPort) {
  BackgroundCommand pf({(fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "--server", daemon_->server(),
                 "port-forward", "spdy", ":8081"});
  std::string port = pf.waitFor(std::regex("Forwarding from 127\\.0\\.0\\.1:(\\d+)"), 30s);
  ASSERT_FALSE(port.empty()) << pf.output();
  std::string resp = httpGetLoopback(std::stoi(port), "/");
  EXPECT_EQ(resp, "");
  EXPECT_FALSE(pf.waitFor(std::regex("an error occurred forwarding \\d+ -> 8081"), 15s).empty()) << pf.output();
}

}  // namespace
}  // namespace peapod::testing
