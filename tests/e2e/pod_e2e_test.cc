// End to end: the real daemon, shim and CLI run multi-container pods in real namespaces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/shared_daemon_test.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

class PodE2E : public SharedDaemonTest<PodE2E> {
 protected:
  static bool running(const nlohmann::json& p) {
    if (p["status"].value("phase", "") != "Running") return false;
    for (const auto& c : p["status"].value("containerStatuses", nlohmann::json::array())) {
      if (!c.value("ready", false)) return false;
    }
    return true;
  }
  static std::string phase(const nlohmann::json& p) { return p["status"].value("phase", ""); }
};

std::string twoContainerYaml() { return readFile(std::string(PEAPOD_SOURCE_DIR) + "/examples/two-containers.yaml"); }

TEST_F(PodE2E, TwoContainersTalkOverLocalhost) {
  auto r = d().apply(twoContainerYaml());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "pod/twocontainers created\n");
  ASSERT_TRUE(d().waitPod("twocontainers", running)) << d().pod("twocontainers").dump(2);
  auto table = d().peapod({"get", "pods"});
  EXPECT_NE(table.out.find("twocontainers   2/2     Running   0"), std::string::npos) << table.out;
  EXPECT_TRUE(waitUntil([&] { return d().logs("twocontainers", "fetcher").find("hello from twocontainers") != std::string::npos; },
                        seconds(15)))
      << d().logs("twocontainers", "fetcher");
  auto pod = d().pod("twocontainers");
  std::string ip = pod["status"].value("podIP", "");
  EXPECT_NE(ip, "");
  EXPECT_NE(d().logs("twocontainers", "fetcher").find("pod IP " + ip), std::string::npos);
  // Applying the same file again changes nothing.
  auto again = d().apply(twoContainerYaml());
  EXPECT_EQ(again.out, "pod/twocontainers unchanged\n") << again.err;
  ASSERT_EQ(d().peapod({"delete", "pod", "twocontainers", "--grace-period=1"}).exitCode, 0);
  EXPECT_TRUE(d().pod("twocontainers").is_null());
}

TEST_F(PodE2E, EmptyDirIsSharedBetweenContainers) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: shared-dir}
spec:
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: writer
    image: busybox
    command: [sh, -c, 'echo written-by-writer > /data/note; sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
  - name: reader
    image: busybox
    command: [sh, -c, 'while [ ! -f /in/note ]; do sleep 0.1; done; cat /in/note; sleep 3600']
    volumeMounts: [{name: data, mountPath: /in, readOnly: true}]
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("shared-dir", running));
  EXPECT_TRUE(waitUntil([&] { return d().logs("shared-dir", "reader") == "written-by-writer\n"; }, seconds(10)))
      << d().logs("shared-dir", "reader");
  d().peapod({"delete", "pod", "shared-dir", "--grace-period=0", "--force"});
}

TEST_F(PodE2E, ContainersShareHostnameAndNetworkButNotMounts) {
  std::string probe = "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc; "
                      "readlink /proc/self/ns/mnt; sleep 3600";
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: ns-probe}
spec:
  containers:
  - {name: a, image: busybox, command: [sh, -c, ')" + probe + R"(']}
  - {name: b, image: busybox, command: [sh, -c, ')" + probe + R"(']}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("ns-probe", running));
  auto lines = [&](const std::string& c) {
    std::vector<std::string> out;
    waitUntil([&] {
      std::istringstream in(d().logs("ns-probe", c));
      out.clear();
      for (std::string l; std::getline(in, l);) out.push_back(l);
      return out.size() >= 5;
    }, seconds(10));
    return out;
  };
  auto a = lines("a"), b = lines("b");
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(a[0], "ns-probe");  // the pod name is the hostname
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[1], b[1]);  // network
  EXPECT_EQ(a[2], b[2]);  // UTS
  EXPECT_EQ(a[3], b[3]);  // IPC
  EXPECT_NE(a[4], b[4]);  // each container its own mount namespace
  std::string hostNet = std::filesystem::read_symlink("/proc/self/ns/net").string();
  EXPECT_NE(a[1], hostNet);
  d().peapod({"delete", "pod", "ns-probe", "--grace-period=0", "--force"});
}

TEST_F(PodE2E, RestartPolicyNeverEndsSucceededOrFailed) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: ok-once}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox, command: [sh, -c, 'echo done; exit 0']}]
---
apiVersion: v1
kind: Pod
metadata: {name: fail-once}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox, command: [sh, -c, 'exit 1']}]
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("ok-once", [](const auto& p) { return phase(p) == "Succeeded"; }))
      << d().pod("ok-once").dump(2);
  ASSERT_TRUE(d().waitPod("fail-once", [](const auto& p) { return phase(p) == "Failed"; }))
      << d().pod("fail-once").dump(2);
  auto table = d().peapod({"get", "pods", "ok-once", "fail-once"}).out;
  EXPECT_NE(table.find("ok-once     0/1     Completed   0"), std::string::npos) << table;
  EXPECT_NE(table.find("fail-once   0/1     Error       0"), std::string::npos) << table;
  auto failed = d().pod("fail-once")["status"]["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(failed["exitCode"], 1);
  EXPECT_EQ(failed["reason"], "Error");
  EXPECT_EQ(d().logs("ok-once", "main"), "done\n");
  // A finished pod keeps its object and logs but has given back its sandbox.
  EXPECT_TRUE(waitUntil([&] { return shimProcessesUnder(d().root() / "run" / "pods" / d().pod("ok-once")["metadata"].value("uid", "x")).empty(); }, seconds(5)));
  EXPECT_EQ(d().peapod({"delete", "pod", "ok-once", "fail-once"}).exitCode, 0);
}

TEST_F(PodE2E, RestartPolicyAlwaysRestartsWithBackoff) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers: [{name: main, image: busybox, command: [sh, -c, 'echo run; exit 3']}]
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("crasher", [](const auto& p) {
    return p["status"]["containerStatuses"][0].value("restartCount", 0) >= 2;
  })) << d().pod("crasher").dump(2);
  auto st = d().pod("crasher")["status"]["containerStatuses"][0];
  EXPECT_EQ(st["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(d().peapod({"logs", "crasher", "--previous"}).out, "run\n");
  d().peapod({"delete", "pod", "crasher", "--grace-period=0", "--force"});
}

TEST_F(PodE2E, DeletingAPodLeavesNothingBehind) {
  ASSERT_EQ(d().apply(twoContainerYaml()).exitCode, 0);
  ASSERT_TRUE(d().waitPod("twocontainers", running));
  auto pod = d().pod("twocontainers");
  std::string uid = pod["metadata"]["uid"];
  auto runDir = d().root() / "run" / "pods" / uid;
  EXPECT_EQ(shimProcessesUnder(runDir).size(), 1u);
  EXPECT_EQ(bridgePorts(d().bridge()).size(), 1u);
  EXPECT_FALSE(cgroupDirsUnder(d().cgroupParent()).empty());
  auto r = d().peapod({"delete", "pod", "twocontainers", "--grace-period=1"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(d().pod("twocontainers").is_null());
  EXPECT_TRUE(shimProcessesUnder(runDir).empty());
  EXPECT_TRUE(waitUntil([&] { return bridgePorts(d().bridge()).empty(); }, seconds(5)));  // veth goes with the netns
  EXPECT_TRUE(waitUntil([&] { return cgroupDirsUnder(d().cgroupParent()).empty(); }, seconds(5)))
      << cgroupDirsUnder(d().cgroupParent()).size();
  EXPECT_TRUE(mountsUnder(d().root()).empty());
  EXPECT_FALSE(std::filesystem::exists(runDir));
  EXPECT_FALSE(std::filesystem::exists(d().root() / "data" / "pods" / uid));
  EXPECT_FALSE(std::filesystem::exists(d().root() / "log" / ("default_twocontainers_" + uid)));
}

TEST_F(PodE2E, BadInputIsRefusedClearlyAndHurtsNothing) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: bystander}
spec:
  containers: [{name: main, image: busybox, command: [sleep, '3600']}]
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("bystander", running));

  auto malformed = d().apply("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
  EXPECT_EQ(malformed.exitCode, 1);
  EXPECT_NE(malformed.err.find("error converting YAML to JSON"), std::string::npos) << malformed.err;

  auto dup = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: dup}
spec:
  containers:
  - {name: web, image: busybox}
  - {name: web, image: busybox}
)");
  EXPECT_EQ(dup.exitCode, 1);
  EXPECT_NE(dup.err.find("The Pod \"dup\" is invalid: spec.containers[1].name: Duplicate value: \"web\""),
            std::string::npos)
      << dup.err;

  auto unknown = d().apply("apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers:\n"
                           "  - {name: a, image: busybox, imagePullPolice: Always}\n");
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_NE(unknown.err.find("unknown field \"spec.containers[0].imagePullPolice\""), std::string::npos)
      << unknown.err;

  auto missing = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: no-image}
spec:
  containers: [{name: main, image: "example.org/not/here:1.0"}]
)");
  ASSERT_EQ(missing.exitCode, 0) << missing.err;
  ASSERT_TRUE(d().waitPod("no-image", [](const auto& p) {
    auto cs = p["status"].value("containerStatuses", nlohmann::json::array());
    return !cs.empty() && cs[0]["state"].contains("waiting") && cs[0]["state"]["waiting"]["reason"] == "ErrImagePull";
  })) << d().pod("no-image").dump(2);
  // The next look may already find the back-off that follows a failed pull.
  auto table = d().peapod({"get", "pods"}).out;
  EXPECT_TRUE(table.find("no-image    0/1     ErrImagePull") != std::string::npos ||
              table.find("no-image    0/1     ImagePullBackOff") != std::string::npos)
      << table;
  EXPECT_NE(table.find("bystander   1/1     Running"), std::string::npos) << table;
  EXPECT_EQ(d().peapod({"delete", "pod", "no-image", "bystander", "--grace-period=0", "--force"}).exitCode, 0);
}

TEST_F(PodE2E, EnvHostPathAndManagedEtcFiles) {
  TempDir host("peapod-e2e-hostpath");
  std::string manifest = R"(
apiVersion: v1
kind: Pod
metadata: {name: env-probe}
spec:
  restartPolicy: Never
  hostAliases: [{ip: 127.0.0.1, hostnames: [foo.local, bar.local]}, {ip: 10.1.2.3, hostnames: [foo.remote]}]
  volumes: [{name: out, hostPath: {path: ")" + (host.path() / "made").string() + R"(", type: DirectoryOrCreate}}]
  containers:
  - name: main
    image: busybox
    env: [{name: GREETING, value: hi}]
    command: [sh, -c]
    args: ['echo "$HOSTNAME $GREETING $PATH" > /out/env; cat /etc/hosts > /out/hosts; cat /etc/hostname > /out/hostname; test -s /etc/resolv.conf && echo ok > /out/resolv']
    volumeMounts: [{name: out, mountPath: /out}]
)";
  std::string file = (host.path() / "pod.yaml").string();
  std::ofstream(file) << manifest;
  auto r = d().peapod({"create", "-f", file});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("env-probe", [](const auto& p) { return phase(p) == "Succeeded"; }))
      << d().pod("env-probe").dump(2);
  std::string ip = d().pod("env-probe")["status"].value("podIP", "");
  EXPECT_EQ(readFile(host.path() / "made" / "env"),
            "env-probe hi /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
  auto hosts = readFile(host.path() / "made" / "hosts");
  EXPECT_EQ(hosts.rfind("# Kubernetes-managed hosts file.\n", 0), 0u) << hosts;
  EXPECT_NE(hosts.find(ip + "\tenv-probe\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n"),
            std::string::npos)
      << hosts;
  EXPECT_EQ(readFile(host.path() / "made" / "hostname"), "env-probe\n");
  EXPECT_EQ(readFile(host.path() / "made" / "resolv"), "ok\n");
  auto yaml = d().peapod({"get", "pod", "env-probe", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("phase: Succeeded"), std::string::npos) << yaml.out;
  auto del = d().peapod({"delete", "-f", file});
  EXPECT_EQ(del.exitCode, 0) << del.err;
  EXPECT_EQ(del.out, "pod \"env-probe\" deleted\n");
  EXPECT_TRUE(std::filesystem::exists(host.path() / "made" / "env"));  // hostPath data stays on the host
}

TEST_F(PodE2E, InitContainersRunInOrderBeforeTheApp) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: with-init}
spec:
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - {name: first, image: busybox, command: [sh, -c, 'echo first >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: busybox, command: [sh, -c, 'echo second >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, 'cat /work/order; sleep 3600'], volumeMounts: [{name: work, mountPath: /work}]}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("with-init", running)) << d().pod("with-init").dump(2);
  EXPECT_TRUE(waitUntil([&] { return d().logs("with-init", "app") == "first\nsecond\n"; }, seconds(10)))
      << d().logs("with-init", "app");
  auto st = d().pod("with-init")["status"];
  EXPECT_EQ(st["initContainerStatuses"][1]["state"]["terminated"]["reason"], "Completed");
  d().peapod({"delete", "pod", "with-init", "--grace-period=0", "--force"});
}

TEST_F(PodE2E, FailingInitContainerUnderNeverFailsThePod) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: init-fails}
spec:
  restartPolicy: Never
  initContainers: [{name: setup, image: busybox, command: [sh, -c, 'exit 2']}]
  containers: [{name: app, image: busybox, command: [sleep, '3600']}]
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("init-fails", [](const auto& p) { return phase(p) == "Failed"; }))
      << d().pod("init-fails").dump(2);
  auto table = d().peapod({"get", "pods", "init-fails"}).out;
  EXPECT_NE(table.find("Init:Error"), std::string::npos) << table;
  auto app = d().pod("init-fails")["status"]["containerStatuses"][0];
  EXPECT_EQ(app["state"]["waiting"]["reason"], "PodInitializing");  // never started
  d().peapod({"delete", "pod", "init-fails"});
}

TEST_F(PodE2E, SidecarRunsBesideTheAppAndStopsAfterIt) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: with-sidecar}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  initContainers: [{name: side, image: busybox, restartPolicy: Always, command: [sh, -c, 'echo side up; sleep 3600']}]
  containers: [{name: app, image: busybox, command: [sh, -c, 'sleep 0.3; echo app done']}]
)").exitCode, 0);
  // The app finishes; the sidecar (a shell ignoring SIGTERM as PID 1) is killed after the grace period.
  ASSERT_TRUE(d().waitPod("with-sidecar", [](const auto& p) {
    return phase(p) == "Succeeded" && p["status"]["initContainerStatuses"][0]["state"].contains("terminated");
  }, seconds(10))) << d().pod("with-sidecar").dump(2);
  auto st = d().pod("with-sidecar")["status"];
  EXPECT_EQ(st["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(st["initContainerStatuses"][0]["restartCount"], 0);
  d().peapod({"delete", "pod", "with-sidecar"});
}

TEST_F(PodE2E, ActiveDeadlineFailsThePod) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 1
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: busybox, command: [sleep, '3600']}]
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("deadline", [](const auto& p) { return phase(p) == "Failed"; }, seconds(10)))
      << d().pod("deadline").dump(2);
  auto st = d().pod("deadline")["status"];
  EXPECT_EQ(st["reason"], "DeadlineExceeded");
  auto table = d().peapod({"get", "pods", "deadline"}).out;
  EXPECT_NE(table.find("DeadlineExceeded"), std::string::npos) << table;
  d().peapod({"delete", "pod", "deadline"});
}

TEST_F(PodE2E, EnvExpansionAndDownwardApi) {
  ASSERT_EQ(d().apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: downward, labels: {tier: web}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    - {name: GREETING, value: "hello $(POD_NAME)"}
    command: [echo, "$(GREETING)", "$(POD_IP)", "$(TIER)", "$$(kept)", "$(KUBERNETES_SERVICE_PORT)", "$(NOPE)"]
)Y").exitCode, 0);
  ASSERT_TRUE(d().waitPod("downward", [](const auto& p) { return phase(p) == "Succeeded"; }))
      << d().pod("downward").dump(2);
  std::string ip = d().pod("downward")["status"].value("podIP", "");
  EXPECT_EQ(d().logs("downward", "main"), "hello downward " + ip + " web $(kept) 443 $(NOPE)\n");
  d().peapod({"delete", "pod", "downward"});
}

TEST_F(PodE2E, DaemonRestartKeepsPodsRunning) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  containers: [{name: main, image: busybox, command: [sleep, '3600']}]
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("survivor", running));
  auto before = d().pod("survivor")["status"];
  d().restart();
  ASSERT_TRUE(d().waitPod("survivor", running));
  auto after = d().pod("survivor")["status"];
  EXPECT_EQ(after["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(after["containerStatuses"][0]["containerID"], before["containerStatuses"][0]["containerID"]);
  EXPECT_EQ(after["podIP"], before["podIP"]);
  d().peapod({"delete", "pod", "survivor", "--grace-period=0", "--force"});
}

}  // namespace
}  // namespace peapod::testing
