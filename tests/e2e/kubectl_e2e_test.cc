// End to end with real kubectl binaries (Debian's 1.20, a current one from npm, the machine's own)
// against the daemon's TLS endpoint with the kubeconfig it writes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/fixtures.h"
#include "testing/kube_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class KubectlE2E : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() == 0) kube_ = new KubeDaemon();
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    kubectl_ = {GetParam(), kubectlPath(GetParam())};
    if (kubectl_.path.empty()) GTEST_SKIP() << "kubectl " << GetParam() << " is not installed (scripts/install-deps)";
    daemon_ = &kube_->daemon();
  }

  CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") const {
    return kube_->kubectl(kubectl_, args, input);
  }
  static std::string kubeconfig() { return kube_->kubeconfig().string(); }
  // A name unique to this kubectl version, so the versions' tests never see each other's pods.
  std::string name(const std::string& base) const {
    std::string v = kubectl_.label;
    std::erase(v, '.');
    return base + "-" + v;
  }
  std::string podYaml(const std::string& podName, const std::string& extraLabel = "") const {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + podName + "\n  labels:\n    app: kubectl-e2e\n" +
           extraLabel +
           "spec:\n  terminationGracePeriodSeconds: 5\n  containers:\n  - name: main\n    image: busybox\n"
           "    command: [sh, -c, 'trap \"exit 0\" TERM; echo hello from $(hostname); while true; do sleep 0.2; done']\n";
  }
  fs::path writeManifest(const std::string& file, const std::string& text) const {
    fs::path p = kube_->dir() / (kubectl_.label + "-" + file);
    std::ofstream(p) << text;
    return p;
  }
  static bool ready(const nlohmann::json& p) {
    for (const auto& c : p["status"].value("conditions", nlohmann::json::array())) {
      if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    }
    return false;
  }

  static inline KubeDaemon* kube_ = nullptr;
  PeapodDaemon* daemon_ = nullptr;
  Kubectl kubectl_;
};

TEST_P(KubectlE2E, CreateWaitGetDescribeLogsDelete) {
  std::string pod = name("basic");
  auto file = writeManifest("basic.yaml", podYaml(pod));
  auto r = kubectl({"create", "-f", file.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/" + pod + " created\n");
  r = kubectl({"wait", "--for=condition=Ready", "pod/" + pod, "--timeout=60s"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "pod/" + pod + " condition met\n");

  r = kubectl({"get", "pods"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("READY   STATUS    RESTARTS   AGE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(pod + "   1/1     Running   0"), std::string::npos) << r.out;

  r = kubectl({"get", "pod", pod, "-o", "wide"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("IP"), std::string::npos);
  EXPECT_NE(r.out.find("NOMINATED NODE   READINESS GATES"), std::string::npos) << r.out;
  std::string ip = daemon_->pod(pod)["status"].value("podIP", "");
  ASSERT_FALSE(ip.empty());
  EXPECT_NE(r.out.find(ip), std::string::npos) << r.out;

  r = kubectl({"get", "po", pod, "-o", "jsonpath={.status.phase}"});
  EXPECT_EQ(r.out, "Running") << r.err;

  r = kubectl({"describe", "pod", pod});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Name:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Status:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Running"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(ip), std::string::npos) << r.out;

  EXPECT_TRUE(waitUntil([&] { return kubectl({"logs", pod}).out == "hello from " + pod + "\n"; }, seconds(10)))
      << kubectl({"logs", pod}).out;
  r = kubectl({"logs", pod, "-c", "main", "--previous"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("previous terminated container"), std::string::npos) << r.err;

  r = kubectl({"delete", "pod", pod});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // 1.35 adds " from default namespace".
  EXPECT_EQ(r.out.rfind("pod \"" + pod + "\" deleted", 0), 0u) << r.out;
  EXPECT_TRUE(daemon_->pod(pod).is_null());  // kubectl delete waits until it is gone
  r = kubectl({"get", "pod", pod});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("Error from server (NotFound): pods \"" + pod + "\" not found"), std::string::npos) << r.err;
}

TEST_P(KubectlE2E, ApplyTwiceThenWithAChange) {
  std::string pod = name("applied");
  auto file = writeManifest("applied.yaml", podYaml(pod));
  auto r = kubectl({"apply", "-f", file.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/" + pod + " created\n");
  r = kubectl({"apply", "-f", file.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/" + pod + " unchanged\n");
  writeManifest("applied.yaml", podYaml(pod, "    tier: backend\n"));
  r = kubectl({"apply", "-f", file.string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/" + pod + " configured\n");
  auto obj = daemon_->pod(pod);
  EXPECT_EQ(obj["metadata"]["labels"].value("tier", ""), "backend") << obj.dump(2);
  EXPECT_EQ(obj["spec"]["containers"][0].value("terminationMessagePath", ""), "/dev/termination-log");
  // A change Kubernetes refuses on a pod.
  std::string bad = podYaml(pod, "    tier: backend\n");
  bad.replace(bad.find("name: main"), 10, "name: other");
  writeManifest("applied.yaml", bad);
  r = kubectl({"apply", "-f", file.string()});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("is invalid"), std::string::npos) << r.err;
  r = kubectl({"delete", "pod", pod, "--force", "--grace-period=0"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(daemon_->pod(pod).is_null());
}

TEST_P(KubectlE2E, GetWatchShowsNewPodsWithoutReplayingOldOnes) {
  std::string old = name("watch-old"), fresh = name("watch-new");
  ASSERT_EQ(kubectl({"create", "-f", writeManifest("old.yaml", podYaml(old)).string()}).exitCode, 0);
  ASSERT_TRUE(daemon_->waitPod(old, ready));
  CommandResult watched;
  std::thread watcher([&] {
    watched = kube_->kubectl(kubectl_, {"get", "pods", "-w", "-l", "app=kubectl-e2e"}, "", 6);
  });
  auto r = kubectl({"create", "-f", writeManifest("new.yaml", podYaml(fresh)).string()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  watcher.join();
  EXPECT_NE(watched.out.find("READY   STATUS"), std::string::npos) << watched.out << watched.err;
  EXPECT_NE(watched.out.find(fresh), std::string::npos) << watched.out << watched.err;
  size_t rows = 0;
  for (size_t at = watched.out.find(old + " "); at != std::string::npos; at = watched.out.find(old + " ", at + 1)) ++rows;
  EXPECT_EQ(rows, 1u) << watched.out;
  kubectl({"delete", "pod", old, fresh, "--force", "--grace-period=0"});
}

TEST_P(KubectlE2E, LogsFollowEndsWithTheContainer) {
  std::string pod = name("follow");
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: " + pod +
                     "}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: busybox\n"
                     "    command: [sh, -c, 'for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done']\n";
  ASSERT_EQ(kubectl({"create", "-f", writeManifest("follow.yaml", yaml).string()}).exitCode, 0);
  ASSERT_TRUE(daemon_->waitPod(pod, [](const nlohmann::json& p) {
    return p["status"].value("phase", "") != "Pending";
  }));
  auto r = kube_->kubectl(kubectl_, {"logs", "-f", pod}, "", 20);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "line 1\nline 2\nline 3\nline 4\nline 5\n");
  kubectl({"delete", "pod", pod, "--force", "--grace-period=0"});
}

TEST_P(KubectlE2E, NodesNamespacesAndEvents) {
  auto r = kubectl({"get", "nodes"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Ready"), std::string::npos) << r.out;
  r = kubectl({"describe", "node"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Capacity:"), std::string::npos) << r.out;
  r = kubectl({"get", "namespaces"});
  EXPECT_NE(r.out.find("kube-system"), std::string::npos) << r.out;
  std::string ns = name("team");
  r = kubectl({"create", "namespace", ns});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string pod = name("in-ns");
  ASSERT_EQ(kubectl({"-n", ns, "create", "-f", writeManifest("ns.yaml", podYaml(pod)).string()}).exitCode, 0);
  r = kubectl({"-n", ns, "create", "configmap", "settings", "--from-literal=mode=fast"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  r = kubectl({"-n", ns, "get", "configmap", "settings", "-o", "jsonpath={.data.mode}"});
  EXPECT_EQ(r.out, "fast") << r.err;
  r = kubectl({"-n", ns, "get", "events"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  r = kubectl({"delete", "namespace", ns, "--timeout=60s"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  r = kubectl({"get", "namespace", ns});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
}

TEST_P(KubectlE2E, RequestsWithoutTheTokenAreRefused) {
  auto r = kubectl({"--token", "not-the-token", "get", "pods"});
  EXPECT_NE(r.exitCode, 0);
  // kubectl's words for a 401: "Unauthorized" (1.20) or "You must be logged in to the server" (newer).
  EXPECT_TRUE(r.err.find("Unauthorized") != std::string::npos ||
              r.err.find("You must be logged in to the server") != std::string::npos)
      << r.err;
  // No credentials at all (kubectl would prompt for a password, so ask with curl), through TLS
  // verified against the daemon's CA.
  std::string server = kube_->serverUrl();
  EXPECT_EQ(server.rfind("https://127.0.0.1:", 0), 0u) << server;
  std::string ca = kube_->caFile().string();
  r = runCommand({"curl", "-sS", "--cacert", ca, "-w", "\n%{http_code}", server + "/api/v1/namespaces/default/pods"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("\"reason\":\"Unauthorized\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 3), "401") << r.out;
  // The kubeconfig holds the token: only root may read it.
  struct stat st {};
  ASSERT_EQ(::stat(kubeconfig().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

INSTANTIATE_TEST_SUITE_P(Versions, KubectlE2E, ::testing::Values("1.20", "1.35", "system"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::erase(s, '.');
                           return "kubectl_" + s;
                         });

}  // namespace
}  // namespace peapod::testing
