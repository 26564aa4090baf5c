// End to end: the peapod CLI over TLS with the kubeconfig the daemon writes (issue 4 item 7) —
// plain requests (apply, get, logs) and the upgraded ones (exec over WebSocket, port-forward over
// SPDY) through --kubeconfig, KUBECONFIG, and --server https://... with --token and a CA file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include <cstdlib>
#include <filesystem>

#include "testing/background.h"
#include "testing/fixtures.h"
#include "testing/kube_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class CliTlsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    kube_ = new KubeDaemon();
    auto r = kube_->peapodTls({"apply", "-f", "-"}, R"(
apiVersion: v1
kind: Pod
metadata: {name: tls}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo hello over tls; exec sleep 3600']
)");
    applied_ = new CommandResult(r);
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
    delete applied_;
    applied_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    ASSERT_EQ(applied_->exitCode, 0) << applied_->out << applied_->err;
    ASSERT_TRUE(kube_->daemon().waitPod("tls", [](const nlohmann::json& p) {
      return p["status"].value("phase", "") == "Running";
    }, seconds(60)));
  }
  static CommandResult peapod(const std::vector<std::string>& args, const std::string& input = "") {
    return kube_->peapodTls(args, input);
  }
  static inline KubeDaemon* kube_ = nullptr;
  static inline CommandResult* applied_ = nullptr;
};

TEST_F(CliTlsE2E, GetLogsAndApplyThroughTheKubeconfig) {
  EXPECT_EQ(applied_->out, "pod/tls created\n");
  auto r = peapod({"get", "pods"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("tls "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Running"), std::string::npos) << r.out;
  EXPECT_TRUE(waitUntil([&] { return peapod({"logs", "tls"}).out == "hello over tls\n"; }, seconds(10)))
      << peapod({"logs", "tls"}).out;
  r = peapod({"get", "pod", "tls", "-o", "jsonpath={.status.phase}"});
  EXPECT_EQ(r.out, "Running") << r.err;
}

TEST_F(CliTlsE2E, ExecOverTheTlsWebSocket) {
  auto r = peapod({"exec", "tls", "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_NE(r.err.find("err\n"), std::string::npos) << r.err;
  r = peapod({"exec", "-i", "tls", "--", "cat"}, "through tls stdin\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "through tls stdin\n");
  // Bigger than any TLS record and socket buffer, both ways.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + "\n";
  r = peapod({"exec", "-i", "tls", "--", "cat"}, big);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(r.out == big) << r.out.size() << " of " << big.size();
}

TEST_F(CliTlsE2E, LogsFollowStreamsUntilTheContainerEnds) {
  auto r = peapod({"apply", "-f", "-"}, R"(
apiVersion: v1
kind: Pod
metadata: {name: follow}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(kube_->daemon().waitPod("follow", [](const nlohmann::json& p) {
    return p["status"].value("phase", "") != "Pending";
  }));
  r = runCommand({"timeout", "20", (fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "--kubeconfig",
                  kube_->kubeconfig().string(), "logs", "-f", "follow"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "line 1\nline 2\nline 3\nline 4\nline 5\n");
  peapod({"delete", "pod", "follow", "--grace-period=0", "--force"});
}

TEST_F(CliTlsE2E, PortForwardOverTheTlsSpdyUpgrade) {
  // Nothing listens on 8081 in the pod: the SPDY session over TLS opens the streams and the
  // pod's refusal comes back on the error stream.
  BackgroundCommand pf({(fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "--kubeconfig",
                  kube_->kubeconfig().string(), "port-forward", "tls", ":8081"});
  std::string port = pf.waitFor(std::regex("Forwarding from 127\\.0\\.0\\.1:(\\d+)"), seconds(30));
  ASSERT_FALSE(port.empty()) << pf.output();
  int fd = connectLoopback(std::stoi(port));
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(pf.waitFor(std::regex("an error occurred forwarding \\d+ -> 8081"), seconds(15)).empty()) << pf.output();
  ::close(fd);
}

TEST_F(CliTlsE2E, KubeconfigFromTheEnvironmentAndServerWithToken) {
  setenv("KUBECONFIG", kube_->kubeconfig().c_str(), 1);
  auto r = runCommand({(fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "get", "pod", "tls", "-o", "name"});
  unsetenv("KUBECONFIG");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/tls\n");

  std::string text = readFile(kube_->kubeconfig());
  auto at = text.find("token: ");
  ASSERT_NE(at, std::string::npos);
  std::string token = text.substr(at + 7, text.find('\n', at) - at - 7);
  std::string bin = (fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string();
  r = runCommand({bin, "--server", kube_->serverUrl(), "--token", token, "--certificate-authority",
                  kube_->caFile().string(), "get", "pod", "tls", "-o", "name"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/tls\n");
  // A wrong token is refused with the API's 401; a CA that did not sign the server fails TLS.
  r = peapod({"--token", "wrong", "get", "pods"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("Unauthorized"), std::string::npos) << r.err;
  r = runCommand({bin, "--server", kube_->serverUrl(), "--token", token, "--certificate-authority",
                  "/etc/ssl/certs/ca-certificates.crt", "get", "pods"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r.err;
}

TEST_F(CliTlsE2E, ApplyConfigMapsSecretsNamespacesAndPodChanges) {
  std::string ns = "tls-" + randomSuffix(4);
  std::string docs = "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n---\n"
                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: " + ns + "}\n"
                     "data: {mode: fast}\n---\n"
                     "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: " + ns + "}\n"
                     "stringData: {user: admin}\n";
  auto r = peapod({"apply", "-f", "-"}, docs);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "namespace/" + ns + " created\nconfigmap/settings created\nsecret/creds created\n");
  r = peapod({"apply", "-f", "-"}, docs);
  EXPECT_EQ(r.out, "namespace/" + ns + " unchanged\nconfigmap/settings unchanged\nsecret/creds unchanged\n") << r.err;
  std::string changed = docs;
  changed.replace(changed.find("mode: fast"), 10, "mode: slow");
  r = peapod({"apply", "-f", "-"}, changed);
  EXPECT_EQ(r.out, "namespace/" + ns + " unchanged\nconfigmap/settings configured\nsecret/creds unchanged\n") << r.err;
  std::string kubeconfig = kube_->kubeconfig().string();
  r = runCommand({"curl", "-sS", "--cacert", kube_->caFile().string(), "-H",
                  "Authorization: Bearer " + [&] {
                    std::string text = readFile(kubeconfig);
                    auto at = text.find("token: ");
                    return text.substr(at + 7, text.find('\n', at) - at - 7);
                  }(),
                  kube_->serverUrl() + "/api/v1/namespaces/" + ns + "/configmaps/settings"});
  EXPECT_NE(r.out.find("\"mode\":\"slow\""), std::string::npos) << r.out << r.err;
  // A pod's label changes through apply (a strategic merge patch, as kubectl sends).
  std::string pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tls\nspec:\n  terminationGracePeriodSeconds: 1\n"
                    "  containers:\n  - name: main\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                    "    command: [sh, -c, 'echo hello over tls; exec sleep 3600']\n";
  r = peapod({"apply", "-f", "-"}, pod);
  EXPECT_EQ(r.out, "pod/tls unchanged\n") << r.err;
  pod.replace(pod.find("  name: tls\n"), 12, "  name: tls\n  labels: {tier: web}\n");
  r = peapod({"apply", "-f", "-"}, pod);
  EXPECT_EQ(r.out, "pod/tls configured\n") << r.err;
  EXPECT_EQ(kube_->daemon().pod("tls")["metadata"]["labels"].value("tier", ""), "web");
}

}  // namespace
}  // namespace peapod::testing
