// End to end with the official JavaScript client, @kubernetes/client-node (installed by
// scripts/install-deps under /usr/local/lib/peapod-test/node_modules): create, list, watch, logs,
// exec over WebSocket and delete, through the kubeconfig the daemon writes (TLS + token).
// The client's side is tests/e2e/client_node/client_node_e2e.mjs; this reads its report lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "testing/fixtures.h"
#include "testing/kube_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;

fs::path modulesDir() {
  if (const char* d = getenv("PEAPOD_NODE_MODULES")) return d;
  return "/usr/local/lib/peapod-test/node_modules";
}

bool haveNode() { return runCommand({"node", "--version"}).exitCode == 0; }

// "step: result" lines; the first of each step.
std::map<std::string, std::string> steps(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(": ");
    if (at != std::string::npos) m.emplace(line.substr(0, at), line.substr(at + 2));
  }
  return m;
}

class ClientNodeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !haveNode() || !fs::exists(modulesDir() / "@kubernetes" / "client-node")) return;
    kube_ = new KubeDaemon();
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    if (!kube_) GTEST_SKIP() << "node or @kubernetes/client-node is not installed (scripts/install-deps)";
  }
  static inline KubeDaemon* kube_ = nullptr;
};

TEST_F(ClientNodeE2E, CreateListWatchLogsExecDelete) {
  std::string script = (fs::path(PEAPOD_SOURCE_DIR) / "tests" / "e2e" / "client_node" / "client_node_e2e.mjs").string();
  std::string pod = "cn-" + randomSuffix(6);
  auto r = runCommand({"timeout", "180", "node", script, kube_->kubeconfig().string(), pod, modulesDir().string()});
  auto s = steps(r.out);
  std::string all = r.out + r.err + "\n--- daemon log tail ---\n";
  std::string log = readFile(kube_->daemon().root() / "daemon.log");
  all += log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  ASSERT_EQ(r.exitCode, 0) << all;
  EXPECT_EQ(s["list-before"], "0") << all;
  EXPECT_EQ(s["created"], pod + " uid") << all;
  // ADDED first (Pending), then MODIFIED until Running.
  EXPECT_EQ(s["watch"].rfind("ADDED/Pending", 0), 0u) << all;
  EXPECT_NE(s["watch"].find("MODIFIED/Running"), std::string::npos) << all;
  EXPECT_EQ(s["list"], pod + "=Running") << all;
  EXPECT_EQ(s["read"], pod + " has-ip") << all;
  EXPECT_EQ(s["logs"], "\"hello from client-node\\n\"") << all;
  EXPECT_EQ(s["exec-ok"], "\"out-42\\n\" \"err-line\\n\" Success") << all;
  EXPECT_EQ(s["exec-exit"], "\"failing\\n\" Failure NonZeroExitCode 3") << all;
  EXPECT_EQ(s["exec-stdin"], "\"got-piped\\n\" Success") << all;
  EXPECT_EQ(s["deleted"], "gone") << all;
  EXPECT_EQ(s.count("watch-error"), 0u) << all;
}

}  // namespace
}  // namespace peapod::testing
