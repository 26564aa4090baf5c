#include "node/pod_status.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

using std::chrono::milliseconds;

api::ContainerStatus running(const std::string& name) {
  api::ContainerStatus s;
  s.name = name;
  s.state.running = api::ContainerStateRunning{"t"};
  return s;
}

api::ContainerStatus exited(const std::string& name, int code) {
  api::ContainerStatus s;
  s.name = name;
  s.state.terminated = api::ContainerStateTerminated{};
  s.state.terminated->exitCode = code;
  return s;
}

api::PodSpec spec(const std::string& policy, int containers = 2) {
  api::PodSpec sp;
  sp.restartPolicy = policy;
  for (int i = 0; i < containers; ++i) sp.containers.push_back(api::Container{.name = "c" + std::to_string(i)});
  return sp;
}

TEST(PodPhase, FollowsKubeletGetPhase) {
  EXPECT_EQ(podPhase(spec("Always"), {}, {}), "Pending");
  EXPECT_EQ(podPhase(spec("Always"), {}, {running("c0")}), "Pending");  // c1 not started yet
  EXPECT_EQ(podPhase(spec("Always"), {}, {running("c0"), running("c1")}), "Running");
  EXPECT_EQ(podPhase(spec("Never"), {}, {running("c0"), exited("c1", 1)}), "Running");
  EXPECT_EQ(podPhase(spec("Never"), {}, {exited("c0", 0), exited("c1", 0)}), "Succeeded");
  EXPECT_EQ(podPhase(spec("Never"), {}, {exited("c0", 0), exited("c1", 1)}), "Failed");
  EXPECT_EQ(podPhase(spec("OnFailure"), {}, {exited("c0", 0), exited("c1", 0)}), "Succeeded");
  EXPECT_EQ(podPhase(spec("OnFailure"), {}, {exited("c0", 0), exited("c1", 2)}), "Running");
  EXPECT_EQ(podPhase(spec("Always"), {}, {exited("c0", 0), exited("c1", 0)}), "Running");
}

TEST(PodPhase, WaitingAfterARunCountsAsStopped) {
  auto s = running("c0");
  api::ContainerStatus backoff;
  backoff.name = "c1";
  backoff.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", ""};
  backoff.lastState.terminated = api::ContainerStateTerminated{};
  EXPECT_EQ(podPhase(spec("Always"), {}, {s, backoff}), "Running");
  backoff.lastState = {};
  EXPECT_EQ(podPhase(spec("Always"), {}, {s, backoff}), "Pending");
}

api::PodSpec withInit(const std::string& policy, bool sidecar) {
  auto sp = spec(policy, 1);
  api::Container init{.name = "init"};
  if (sidecar) init.restartPolicy = "Always";
  sp.initContainers.push_back(init);
  return sp;
}

TEST(PodPhase, InitContainersGateThePod) {
  EXPECT_EQ(podPhase(withInit("Always", false), {}, {}), "Pending");
  EXPECT_EQ(podPhase(withInit("Always", false), {exited("init", 1)}, {}), "Pending");  // will retry
  EXPECT_EQ(podPhase(withInit("Never", false), {exited("init", 1)}, {}), "Failed");
  EXPECT_EQ(podPhase(withInit("Never", false), {exited("init", 0)}, {running("c0")}), "Running");
  EXPECT_EQ(podPhase(withInit("Never", true), {running("init")}, {exited("c0", 0)}), "Succeeded");
}

TEST(Initialized, RegularInitSucceededAndSidecarsStarted) {
  EXPECT_FALSE(initialized(withInit("Always", false), {}));
  EXPECT_FALSE(initialized(withInit("Always", false), {running("init")}));
  EXPECT_TRUE(initialized(withInit("Always", false), {exited("init", 0)}));
  auto side = running("init");
  EXPECT_FALSE(initialized(withInit("Always", true), {side}));
  side.started = true;
  EXPECT_TRUE(initialized(withInit("Always", true), {side}));
}

TEST(ShouldRestartContainer, SidecarsInitAndApps) {
  auto sp = withInit("Never", true);
  EXPECT_TRUE(shouldRestartContainer(sp, sp.initContainers[0], true, 0));  // a sidecar always
  sp = withInit("OnFailure", false);
  EXPECT_TRUE(shouldRestartContainer(sp, sp.initContainers[0], true, 1));
  EXPECT_FALSE(shouldRestartContainer(sp, sp.initContainers[0], true, 0));
  sp = withInit("Never", false);
  EXPECT_FALSE(shouldRestartContainer(sp, sp.initContainers[0], true, 1));
  EXPECT_FALSE(shouldRestartContainer(sp, sp.containers[0], false, 1));
}

TEST(ShouldRestart, ByPolicy) {
  EXPECT_TRUE(shouldRestart("Always", 0));
  EXPECT_TRUE(shouldRestart("OnFailure", 1));
  EXPECT_FALSE(shouldRestart("OnFailure", 0));
  EXPECT_FALSE(shouldRestart("Never", 1));
}

TEST(RestartDelay, ImmediateThenDoublingToCap) {
  milliseconds base(10'000), cap(300'000);
  EXPECT_EQ(restartDelay(0, base, cap), milliseconds(0));
  EXPECT_EQ(restartDelay(1, base, cap), milliseconds(10'000));
  EXPECT_EQ(restartDelay(2, base, cap), milliseconds(20'000));
  EXPECT_EQ(restartDelay(5, base, cap), milliseconds(160'000));
  EXPECT_EQ(restartDelay(6, base, cap), milliseconds(300'000));
  EXPECT_EQ(restartDelay(40, base, cap), milliseconds(300'000));
}

TEST(SetCondition, TransitionTimeMovesOnlyOnChange) {
  api::PodStatus st;
  setCondition(st, "Ready", false, "t1");
  setCondition(st, "Ready", false, "t2");
  ASSERT_EQ(st.conditions.size(), 1u);
  EXPECT_EQ(st.conditions[0].lastTransitionTime, "t1");
  setCondition(st, "Ready", true, "t3");
  EXPECT_EQ(st.conditions[0].status, "True");
  EXPECT_EQ(st.conditions[0].lastTransitionTime, "t3");
}

}  // namespace
}  // namespace peapod::node
