// End to end: exec over WebSocket (v5 and v4 channel protocols) through the real daemon and shim,
// with `peapod exec`, a raw WebSocket client in the test, and kubectl 1.35 when installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cli/websocket_client.h"
#include "tests/e2e/channel_session.h"
#include "testing/fixtures.h"
#include "testing/kube_daemon.h"
#include "testing/peapod_daemon.h"
#include "testing/shared_daemon_test.h"
#include "wire/k8s_channel.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

class ExecE2E : public SharedDaemonTest<ExecE2E> {
 protected:
  void SetUp() override {
    SharedDaemonTest<ExecE2E>::SetUp();
    if (IsSkipped() || podReady_) return;
    auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: sh}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo started; sleep 3600; true']
    env: [{name: GREETING, value: hi-from-env}]
    workingDir: /tmp
  - name: side
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sleep, '3600']
)");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    ASSERT_TRUE(d().waitPod("sh", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; },
                            seconds(30)))
        << d().pod("sh").dump(2);
    podReady_ = true;
  }
  static inline bool podReady_ = false;

  CommandResult exec(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {"exec"};
    argv.insert(argv.end(), args.begin(), args.end());
    return d().peapod(argv, input);
  }

  // Drives one exec over WebSocket: sends `frames` (channel messages) after the upgrade, then reads
  // until the server closes.
  ChannelTranscript raw(const std::string& query, const std::vector<std::string>& frames,
                        const std::string& protocol = std::string(wire::kChannelV5)) {
    return runChannels(d().server(), "/api/v1/namespaces/default/pods/sh/exec?" + query, frames, protocol);
  }
};

TEST_F(ExecE2E, EchoRunsInTheContainersEnvAndCwd) {
  auto r = exec({"sh", "--", "sh", "-c", "echo $GREETING; pwd; cat /proc/1/cmdline | tr '\\0' ' '"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "Defaulted container \"main\" out of: main, side\n");
  EXPECT_EQ(r.out, "hi-from-env\n/tmp\nsh -c echo started; sleep 3600; true ");
}

TEST_F(ExecE2E, StdinEofEndsCat) {
  auto r = exec({"-i", "sh", "-c", "main", "--", "cat"}, "line one\nline two\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "line one\nline two\n");
}

TEST_F(ExecE2E, StdoutAndStderrStaySeparate) {
  auto r = exec({"sh", "-c", "main", "--", "sh", "-c", "echo to-out; echo to-err >&2"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "to-out\n");
  EXPECT_EQ(r.err, "to-err\n");
}

TEST_F(ExecE2E, ExitCodeIsPassedOn) {
  auto r = exec({"sh", "-c", "main", "--", "sh", "-c", "echo partial; exit 3"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out, "partial\n");
  EXPECT_EQ(r.err, "command terminated with exit code 3\n");
}

TEST_F(ExecE2E, OtherContainerAndMissingOnes) {
  auto r = exec({"sh", "-c", "side", "--", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "sleep 3600 ");
  r = exec({"sh", "-c", "nope", "--", "true"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "Error from server (BadRequest): container nope is not valid for pod sh\n");
  r = exec({"no-such-pod", "--", "true"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): pods \"no-such-pod\" not found\n");
  r = exec({"sh", "-c", "main", "--", "no-such-binary"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("executable file not found in $PATH"), std::string::npos) << r.err;
}

TEST_F(ExecE2E, RawV5StatusesAndStdinClose) {
  auto t = raw("command=sh&command=-c&command=exit+3&stdout=true&stderr=true&container=main", {});
  EXPECT_EQ(t.status["status"], "Failure") << t.status.dump();
  EXPECT_EQ(t.status["reason"], "NonZeroExitCode");
  EXPECT_EQ(t.status["details"]["causes"][0]["message"], "3");
  t = raw("command=cat&stdin=true&stdout=true&stderr=true&container=main",
          {wire::channelMessage(0, "abc"), wire::channelMessage(0, "def"), wire::channelMessage(255, std::string(1, '\0'))});
  EXPECT_EQ(t.out, "abcdef");
  EXPECT_EQ(t.status.dump(), R"({"metadata":{},"status":"Success"})");
}

TEST_F(ExecE2E, V4ProtocolWorksAndUnknownOnesAreRefused) {
  auto t = raw("command=echo&command=v4&stdout=true&container=main", {}, "v4.channel.k8s.io");
  EXPECT_EQ(t.out, "v4\n");
  EXPECT_EQ(t.status["status"], "Success");
  t = raw("command=echo&stdout=true&container=main", {}, "base64.channel.k8s.io");
  EXPECT_EQ(t.status.value("refused", 0), 400) << t.status.dump();
}

TEST_F(ExecE2E, TtyFollowsResize) {
  // The resize goes first on the connection, so the shell sees the size before reading its input.
  auto t = raw("command=sh&stdin=true&stdout=true&tty=true&container=main",
               {wire::channelMessage(4, R"({"Width":123,"Height":45})"),
                wire::channelMessage(0, "test -t 0 && echo is-a-tty; stty size; exit 7\n")});
  EXPECT_NE(t.out.find("is-a-tty"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("45 123"), std::string::npos) << t.out;
  EXPECT_EQ(t.err, "");
  EXPECT_EQ(t.status["details"]["causes"][0]["message"], "7") << t.status.dump();
}

TEST_F(ExecE2E, ClientGoneKillsTheProcess) {
  {
    cli::HttpResponse refused;
    auto ws = cli::WebSocketClient::connect(
        d().server(), "/api/v1/namespaces/default/pods/sh/exec?command=sleep&command=4321&stdout=true&container=main",
        std::string(wire::kChannelV5), &refused);
    ASSERT_TRUE(ws.ok());
    auto ps = [&] { return exec({"sh", "-c", "main", "--", "ps", "-o", "args"}).out; };
    ASSERT_TRUE(waitUntil([&] { return ps().find("sleep 4321") != std::string::npos; }, seconds(10)));
  }  // the connection closes here
  EXPECT_TRUE(waitUntil([&] { return exec({"sh", "-c", "main", "--", "ps", "-o", "args"}).out.find("sleep 4321") == std::string::npos; },
                        seconds(10)));
}

TEST_F(ExecE2E, AttachFollowsLiveOutputUntilTheContainerStops) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'i=0; while [ $i -lt 40 ]; do echo tick $i; echo tock $i >&2; i=$((i+1)); sleep 0.1; done; echo done']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("ticker", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }));
  r = d().peapod({"attach", "ticker"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("tick 39\ndone\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("tock"), std::string::npos);
  EXPECT_NE(r.err.find("tock 39\n"), std::string::npos) << r.err;
  d().peapod({"delete", "pod", "ticker", "--grace-period=0", "--force"});
}

// kubectl 1.35 speaks WebSocket v5 to exec (kubectl 1.20's SPDY is the SPDY transport's to test).
class KubectlExecE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || kubectlPath("1.35").empty()) return;
    kube_ = new KubeDaemon(std::vector<std::string>{});
    auto r = kube_->daemon().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: kexec}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sleep, '3600']
)");
    if (r.exitCode == 0) {
      kube_->daemon().waitPod("kexec", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; },
                       seconds(30));
    }
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    if (!kube_) GTEST_SKIP() << "kubectl 1.35 is not installed (scripts/install-deps)";
  }
  CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") {
    return kube_->kubectl({"1.35", kubectlPath("1.35")}, args, input);
  }
  static inline KubeDaemon* kube_ = nullptr;
};

TEST_F(KubectlExecE2E, ExitCodeStdinAndStreams) {
  auto r = kubectl({"exec", "kexec", "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_NE(r.err.find("err\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("command terminated with exit code 3"), std::string::npos) << r.err;
  r = kubectl({"exec", "-i", "kexec", "--", "cat"}, "through stdin\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "through stdin\n");
  r = kubectl({"exec", "kexec", "-c", "nope", "--", "true"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("container nope is not valid for pod kexec"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace peapod::testing
