// End to end: attach to containers with stdin (kept open across sessions, or ended by the first
// session with stdinOnce) and with a tty, as `kubectl attach -i [-t]` and `kubectl run -it` use it.
#include <gtest/gtest.h>

#include "tests/e2e/channel_session.h"
#include "testing/fixtures.h"
#include "testing/shared_daemon_test.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

const char* const kReadLoop = R"('while read line; do echo "got $line"; done; echo input-ended')";

class AttachE2E : public SharedDaemonTest<AttachE2E> {
 protected:
  // A running pod whose container `main` has the given stdin settings and command.
  void runPod(const std::string& name, const std::string& stdinFields, const std::string& command,
              const std::string& restartPolicy = "Always") {
    auto r = d().apply("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  restartPolicy: " +
                       restartPolicy + "\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n"
                       "    image: busybox\n    imagePullPolicy: IfNotPresent\n    " + stdinFields +
                       "\n    command: " + command + "\n");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    ASSERT_TRUE(d().waitPod(name, [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }))
        << d().pod(name).dump(2);
  }

  ChannelTranscript attach(const std::string& pod, const std::string& query, const std::vector<std::string>& frames,
                           const std::string& until) {
    return runChannels(d().server(), "/api/v1/namespaces/default/pods/" + pod + "/attach?" + query, frames,
                       std::string(wire::kChannelV5),
                       [&](const ChannelTranscript& t) { return t.out.find(until) != std::string::npos; });
  }

  int restarts(const std::string& pod) {
    return d().pod(pod)["status"]["containerStatuses"][0].value("restartCount", -1);
  }

  void remove(const std::string& pod) { d().peapod({"delete", "pod", pod, "--grace-period=0", "--force"}); }
};

TEST_F(AttachE2E, StdinStaysOpenAcrossSessions) {
  runPod("reader", "stdin: true", std::string("[sh, -c, ") + kReadLoop + "]");
  auto first = attach("reader", "stdin=true&stdout=true&stderr=true", {wire::channelMessage(0, "one\n")}, "got one");
  EXPECT_NE(first.out.find("got one\n"), std::string::npos) << first.out;
  // The first client hung up; without stdinOnce the container's input is still open.
  auto second = attach("reader", "stdin=true&stdout=true&stderr=true", {wire::channelMessage(0, "two\n")}, "got two");
  EXPECT_NE(second.out.find("got two\n"), std::string::npos) << second.out;
  EXPECT_EQ(d().pod("reader")["status"].value("phase", ""), "Running");
  EXPECT_EQ(restarts("reader"), 0);
  remove("reader");
}

TEST_F(AttachE2E, StdinOnceEndsInputWhenTheFirstSessionLeaves) {
  runPod("once", "stdin: true\n    stdinOnce: true", std::string("[sh, -c, ") + kReadLoop + "]", "Never");
  auto t = attach("once", "stdin=true&stdout=true&stderr=true", {wire::channelMessage(0, "x\n")}, "got x");
  EXPECT_NE(t.out.find("got x\n"), std::string::npos) << t.out;
  ASSERT_TRUE(d().waitPod("once", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Succeeded"; }))
      << d().pod("once").dump(2);
  EXPECT_NE(d().logs("once", "main").find("got x\ninput-ended\n"), std::string::npos) << d().logs("once", "main");
  remove("once");
}

TEST_F(AttachE2E, CliAttachPassesStdinAndItsEnd) {
  runPod("cli-once", "stdin: true\n    stdinOnce: true", std::string("[sh, -c, ") + kReadLoop + "]", "Never");
  // `peapod attach -i` ends its input at EOF; with stdinOnce the container's input ends too, it
  // exits, and the attach returns.
  auto r = d().peapod({"attach", "-i", "cli-once"}, "y\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("got y\n"), std::string::npos) << r.out;
  EXPECT_NE(d().logs("cli-once", "main").find("input-ended"), std::string::npos);
  remove("cli-once");
}

TEST_F(AttachE2E, TheSeedsInteractiveShellRunsOnATerminal) {
  // Seed 003's dns-test container: `sh` with stdin and tty stays up waiting for its terminal
  // (with stdin at /dev/null it would exit and crash-loop).
  runPod("tty-shell", "stdin: true\n    tty: true", "[sh]");
  auto t = attach("tty-shell", "stdin=true&stdout=true&tty=true",
                  {wire::channelMessage(4, R"({"Width":100,"Height":30})"),
                   wire::channelMessage(0, "stty size; echo $((6*7))\n")},
                  "42");
  EXPECT_NE(t.out.find("30 100"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("42"), std::string::npos) << t.out;
  EXPECT_EQ(d().pod("tty-shell")["status"].value("phase", ""), "Running");
  EXPECT_EQ(restarts("tty-shell"), 0);
  remove("tty-shell");
}

}  // namespace
}  // namespace peapod::testing
