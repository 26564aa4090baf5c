// End to end: probes (exec, httpGet, tcpSocket; startup gating, readiness, liveness restarts) and
// lifecycle hooks (postStart before Running, a failed postStart, preStop at deletion), observed
// through the API and the CLI.
#include <gtest/gtest.h>
#include <unistd.h>

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/shared_daemon_test.h"

namespace peapod::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class ProbeE2E : public SharedDaemonTest<ProbeE2E> {
 protected:
  // containerStatuses[name] (null when absent).
  static json status(const json& pod, const std::string& name) {
    for (const auto& c : pod["status"].value("containerStatuses", json::array())) {
      if (c.value("name", "") == name) return c;
    }
    return nullptr;
  }
  static bool isRunning(const json& c) { return !c.is_null() && c["state"].contains("running"); }
  static bool ready(const json& c) { return !c.is_null() && c.value("ready", false); }
  static std::string condition(const json& pod, const std::string& type) {
    for (const auto& c : pod["status"].value("conditions", json::array())) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }
};

TEST_F(ProbeE2E, ReadinessExecProbeFlipsReady) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: readiness}
spec:
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'sleep 2; touch /tmp/ready; sleep 4; rm /tmp/ready; sleep 3600']
    readinessProbe:
      exec: {command: [test, -f, /tmp/ready]}
      periodSeconds: 1
)").exitCode, 0);
  // Running but not ready until the file exists.
  ASSERT_TRUE(d().waitPod("readiness", [](const json& p) { return isRunning(status(p, "app")) && !ready(status(p, "app")); }))
      << d().pod("readiness").dump(2);
  EXPECT_EQ(condition(d().pod("readiness"), "Ready"), "False");
  ASSERT_TRUE(d().waitPod("readiness", [](const json& p) { return ready(status(p, "app")); }, seconds(10)))
      << d().pod("readiness").dump(2);
  auto p = d().pod("readiness");
  EXPECT_EQ(condition(p, "Ready"), "True");
  EXPECT_EQ(condition(p, "ContainersReady"), "True");
  auto table = d().peapod({"get", "pods", "readiness"});
  EXPECT_NE(table.out.find("1/1"), std::string::npos) << table.out;
  // And back once the file is gone (failureThreshold 3 at 1 s).
  ASSERT_TRUE(d().waitPod("readiness", [](const json& p) { return !ready(status(p, "app")); }, seconds(15)))
      << d().pod("readiness").dump(2);
  EXPECT_NE(d().peapod({"get", "pods", "readiness"}).out.find("0/1"), std::string::npos);
  EXPECT_EQ(status(d().pod("readiness"), "app").value("restartCount", -1), 0);
  d().peapod({"delete", "pod", "readiness", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, FailedLivenessProbeRestartsTheContainer) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: liveness}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    livenessProbe:
      exec: {command: ['false']}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 1
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("liveness", [](const json& p) { return status(p, "app").value("restartCount", 0) >= 1; },
                          seconds(20)))
      << d().pod("liveness").dump(2);
  auto c = status(d().pod("liveness"), "app");
  // sleep as PID 1 ignores SIGTERM: SIGKILL after the probe's 1 s grace period.
  EXPECT_EQ(c["lastState"]["terminated"].value("exitCode", 0), 137) << c.dump(2);
  EXPECT_EQ(c["lastState"]["terminated"].value("reason", ""), "Error") << c.dump(2);
  d().peapod({"delete", "pod", "liveness", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, StartupProbeHoldsBackLivenessAndReadiness) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: startup}
spec:
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'sleep 3; touch /tmp/started; sleep 3600']
    startupProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 1
    readinessProbe:
      exec: {command: ['true']}
      periodSeconds: 1
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("startup", [](const json& p) { return isRunning(status(p, "app")); }));
  auto c = status(d().pod("startup"), "app");
  EXPECT_FALSE(c.value("started", true)) << c.dump(2);
  EXPECT_FALSE(c.value("ready", true)) << c.dump(2);
  ASSERT_TRUE(d().waitPod("startup", [](const json& p) { return ready(status(p, "app")); }, seconds(15)))
      << d().pod("startup").dump(2);
  c = status(d().pod("startup"), "app");
  EXPECT_TRUE(c.value("started", false));
  EXPECT_EQ(c.value("restartCount", -1), 0) << "liveness ran before the startup probe passed";
  d().peapod({"delete", "pod", "startup", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, HttpGetAndTcpSocketProbes) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: webprobe}
spec:
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www']
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Probe, value: "yes"}]}
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: 8080}
      initialDelaySeconds: 1
      periodSeconds: 1
  - name: missing
    image: busybox
    command: [sh, -c, 'mkdir -p /www && exec httpd -f -p 8081 -h /www']
    readinessProbe:
      httpGet: {path: /nothing-here, port: 8081}
      periodSeconds: 1
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("webprobe", [](const json& p) { return ready(status(p, "web")); }, seconds(15)))
      << d().pod("webprobe").dump(2);
  auto p = d().pod("webprobe");
  EXPECT_FALSE(ready(status(p, "missing")));  // 404
  EXPECT_EQ(condition(p, "Ready"), "False");
  EXPECT_NE(d().peapod({"get", "pods", "webprobe"}).out.find("1/2"), std::string::npos);
  EXPECT_EQ(status(p, "web").value("restartCount", -1), 0);
  d().peapod({"delete", "pod", "webprobe", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, PostStartCompletesBeforeRunning) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: poststart}
spec:
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'while [ ! -f /tmp/hook ]; do sleep 0.1; done; cat /tmp/hook; sleep 3600']
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'sleep 2; echo from-post-start > /tmp/hook']}
)").exitCode, 0);
  // Waiting (ContainerCreating) while the hook runs, then Running.
  ASSERT_TRUE(d().waitPod("poststart", [](const json& p) {
    auto c = status(p, "app");
    return !c.is_null() && c["state"].contains("waiting") && p["status"].value("podIP", "") != "";
  })) << d().pod("poststart").dump(2);
  ASSERT_TRUE(d().waitPod("poststart", [](const json& p) { return ready(status(p, "app")); }, seconds(10)));
  EXPECT_TRUE(waitUntil([&] { return d().logs("poststart", "app") == "from-post-start\n"; }, seconds(5)))
      << d().logs("poststart", "app");
  d().peapod({"delete", "pod", "poststart", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, FailedPostStartKillsTheContainer) {
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: poststart-fail}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'exit 7']}
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("poststart-fail", [](const json& p) { return p["status"].value("phase", "") == "Failed"; },
                          seconds(15)))
      << d().pod("poststart-fail").dump(2);
  auto c = status(d().pod("poststart-fail"), "app");
  EXPECT_EQ(c["state"]["terminated"].value("exitCode", 0), 137) << c.dump(2);
  d().peapod({"delete", "pod", "poststart-fail", "--grace-period=0", "--force"});
}

TEST_F(ProbeE2E, PreStopRunsAtDeletionWithinTheGracePeriod) {
  TempDir host("peapod-prestop");
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: prestop}
spec:
  terminationGracePeriodSeconds: 30
  volumes: [{name: out, hostPath: {path: ")" + host.path().string() + R"(", type: Directory}}]
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, 'echo bye > /out/prestop']}
  - name: slow
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      preStop:
        sleep: {seconds: 30}
)").exitCode, 0);
  ASSERT_TRUE(d().waitPod("prestop", [](const json& p) { return ready(status(p, "app")) && ready(status(p, "slow")); }));
  auto began = std::chrono::steady_clock::now();
  ASSERT_EQ(d().peapod({"delete", "pod", "prestop", "--grace-period=2", "--wait=false"}).exitCode, 0);
  ASSERT_TRUE(d().waitGone("prestop", seconds(15)));
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(readFile(host.path() / "prestop"), "bye\n");
  // "slow" overran its preStop: 2 s of grace, then 2 s more after the stop signal, then SIGKILL.
  EXPECT_GE(took, seconds(3));
  EXPECT_LT(took, seconds(8));
}

TEST_F(ProbeE2E, ForceDeleteDuringALivenessKillLeavesNothing) {
  // httpd as PID 1 ignores SIGTERM: the liveness kill waits out the 30 s grace period, and a
  // forced deletion must cut it short.
  ASSERT_EQ(d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: killing}
spec:
  containers:
  - name: web
    image: busybox
    command: [httpd, -f, -p, '8080']
    livenessProbe:
      tcpSocket: {port: 9}
      periodSeconds: 1
      failureThreshold: 1
)").exitCode, 0);
  ASSERT_TRUE(waitUntil([&] {
    return readFile(d().root() / "daemon.log").find("pod default/killing: Killing: container web failed liveness probe") != std::string::npos;
  }, seconds(10)));
  ASSERT_EQ(d().peapod({"delete", "pod", "killing", "--grace-period=0", "--force"}).exitCode, 0);
  EXPECT_TRUE(waitUntil([&] { return shimProcessesUnder(d().root()).empty(); }, seconds(10)))
      << ::testing::PrintToString(shimProcessesUnder(d().root()));
}

}  // namespace
}  // namespace peapod::testing
