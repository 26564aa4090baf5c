// End to end: requests and limits as cgroups (seen from inside the container through its own
// cgroup namespace and from the host), QoS classes, and a memory hog OOMKilled.
#include <gtest/gtest.h>

#include <fstream>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/shared_daemon_test.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

class ResourcesE2E : public SharedDaemonTest<ResourcesE2E> {
 protected:
  static std::string phase(const nlohmann::json& p) { return p["status"].value("phase", ""); }
  static bool finished(const nlohmann::json& p) { return phase(p) == "Succeeded" || phase(p) == "Failed"; }
  void remove(const std::string& name) {
    d().peapod({"delete", "pod", name, "--grace-period=0", "--force"});
    EXPECT_TRUE(d().waitGone(name));
  }
  static bool v1() { return std::filesystem::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"); }
};

TEST_F(ResourcesE2E, ContainerSeesItsOwnLimitedCgroup) {
  if (!v1()) GTEST_SKIP() << "this test reads cgroup v1 files";
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-limits}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    resources:
      requests: {cpu: 250m, memory: 32Mi}
      limits: {cpu: 500m, memory: 64Mi}
    command: [sh, -c, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us
      /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares; grep -v :/$ /proc/self/cgroup | wc -l;
      touch /sys/fs/cgroup/memory/x 2>&1; true']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("res-limits", finished)) << d().pod("res-limits").dump(2);
  std::string out = d().logs("res-limits", "main");
  // The limits, then: its cgroup is the root of its cgroup namespace in every hierarchy.
  EXPECT_EQ(out.rfind("67108864\n50000\n100000\n256\n0\n", 0), 0u) << out;
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;
  auto pod = d().pod("res-limits");
  EXPECT_EQ(pod["status"].value("qosClass", ""), "Burstable");
  remove("res-limits");
}

TEST_F(ResourcesE2E, PodCgroupGetsTheSumOfLimits) {
  if (!v1()) GTEST_SKIP() << "this test reads cgroup v1 files";
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-pod}
spec:
  containers:
  - {name: a, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], resources: {limits: {cpu: 500m, memory: 64Mi}}}
  - {name: b, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], resources: {limits: {cpu: 250m, memory: 32Mi}}}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("res-pod", [](const auto& p) { return phase(p) == "Running"; }));
  auto pod = d().pod("res-pod");
  EXPECT_EQ(pod["status"].value("qosClass", ""), "Guaranteed");
  std::string uid = pod["metadata"].value("uid", "");
  std::string podCg = "/sys/fs/cgroup/memory/" + d().cgroupParent() + "/pod" + uid;
  EXPECT_EQ(readFile(podCg + "/memory.limit_in_bytes"), std::to_string(96 << 20) + "\n");
  EXPECT_EQ(readFile(podCg + "/a/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");
  std::string cpuCg = "/sys/fs/cgroup/cpu/" + d().cgroupParent() + "/pod" + uid;
  EXPECT_EQ(readFile(cpuCg + "/cpu.cfs_quota_us"), "75000\n");
  EXPECT_EQ(readFile(cpuCg + "/cpu.shares"), "768\n");
  EXPECT_EQ(readFile(cpuCg + "/b/cpu.shares"), "256\n");
  remove("res-pod");
}

TEST_F(ResourcesE2E, MemoryHogIsOOMKilled) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-oom}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    imagePullPolicy: IfNotPresent
    resources: {limits: {memory: 32Mi}}
    command: [sh, -c, 'head -c 300m /dev/zero | tail']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("res-oom", finished, seconds(60))) << d().pod("res-oom").dump(2);
  auto pod = d().pod("res-oom");
  EXPECT_EQ(phase(pod), "Failed");
  auto t = pod["status"]["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(t.value("reason", ""), "OOMKilled") << t.dump();
  EXPECT_EQ(t.value("exitCode", 0), 137) << t.dump();
  remove("res-oom");
}

TEST_F(ResourcesE2E, QosClasses) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-besteffort}
spec:
  containers: [{name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: res-burstable}
spec:
  containers: [{name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], resources: {requests: {memory: 16Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: res-guaranteed}
spec:
  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], resources: {limits: {cpu: 100m, memory: 16Mi}}}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (auto [name, qos] : {std::pair{"res-besteffort", "BestEffort"}, std::pair{"res-burstable", "Burstable"},
                           std::pair{"res-guaranteed", "Guaranteed"}}) {
    ASSERT_TRUE(d().waitPod(name, [](const auto& p) { return phase(p) == "Running"; })) << d().pod(name).dump(2);
    EXPECT_EQ(d().pod(name)["status"].value("qosClass", ""), qos) << name;
  }
  for (const char* name : {"res-besteffort", "res-burstable", "res-guaranteed"}) remove(name);
}

TEST_F(ResourcesE2E, ExecSeesTheContainersCgroupView) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-exec-cg}
spec:
  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'cat /proc/self/cgroup; echo END; exec sleep 3600']}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("res-exec-cg", [](const auto& p) { return phase(p) == "Running"; }))
      << d().pod("res-exec-cg").dump(2);
  std::string main;
  ASSERT_TRUE(waitUntil([&] { return (main = d().logs("res-exec-cg", "main")).find("END\n") != std::string::npos; },
                        seconds(15)))
      << main;
  main.resize(main.find("END\n"));
  auto e = d().peapod({"exec", "res-exec-cg", "--", "cat", "/proc/self/cgroup"});
  EXPECT_EQ(e.exitCode, 0) << e.err;
  // Its own cgroup namespace: every hierarchy reads "/", exactly as for the main process.
  EXPECT_EQ(e.out, main);
  EXPECT_EQ(main.find(d().cgroupParent()), std::string::npos) << main;
  remove("res-exec-cg");
}

// The kubelet's --pod-max-pids: pids.max on the pod cgroup, so the pod cannot fork past it.
TEST(PodPidsLimitE2E, PodCannotForkPastTheLimit) {
  PEAPOD_REQUIRE_ROOT();
  PeapodDaemon d({"--restart-backoff-base", "200ms", "--pod-max-pids", "12"});
  auto r = d.apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: res-pids}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'cat /sys/fs/cgroup/pids/pids.max; sh -c "i=0; while [ \$i -lt 30 ]; do sleep 600 & i=\$((i+1)); done";
      echo end; exec sleep 3600']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d.waitPod("res-pids", [](const auto& p) { return p["status"].value("phase", "") == "Running"; }))
      << d.pod("res-pids").dump(2);
  std::string out;
  EXPECT_TRUE(waitUntil([&] { return (out = d.logs("res-pids", "main")).find("end") != std::string::npos; },
                        seconds(30)))
      << out;
  // Inside, its own cgroup (the namespace root) has no limit of its own; the pod's stops it.
  EXPECT_EQ(out.rfind("max\n", 0), 0u) << out;
  EXPECT_NE(out.find("can't fork"), std::string::npos) << out;
  // From the host: the pod cgroup carries the limit and is full.
  if (std::filesystem::exists("/sys/fs/cgroup/pids/pids.max") || std::filesystem::exists("/sys/fs/cgroup/pids")) {
    std::string uid = d.pod("res-pids")["metadata"].value("uid", "");
    std::string podCg = "/sys/fs/cgroup/pids/" + d.cgroupParent() + "/pod" + uid;
    EXPECT_EQ(readFile(podCg + "/pids.max"), "12\n");
    // Full but for the subshell that ran the loop (gone by now): the sleeps and the main process.
    int current = std::atoi(readFile(podCg + "/pids.current").c_str());
    EXPECT_GE(current, 10);
    EXPECT_LE(current, 12);
  }
  d.peapod({"delete", "pod", "res-pids", "--grace-period=0", "--force"});
  EXPECT_TRUE(d.waitGone("res-pids"));
}

}  // namespace
}  // namespace peapod::testing
