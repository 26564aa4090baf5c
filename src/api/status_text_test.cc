// Unit tests for the kubectl pod table columns: one row per STATUS case.
#include "api/status_text.h"

#include <functional>

#include <gtest/gtest.h>

namespace peapod::api {
namespace {

const WallTime kNow = *parseRfc3339("2026-11-22T18:00:00Z");

ContainerStatus waiting(std::string name, std::string reason) {
  ContainerStatus s;
  s.name = std::move(name);
  s.state.waiting = ContainerStateWaiting{std::move(reason), ""};
  return s;
}
ContainerStatus running(std::string name, bool ready) {
  ContainerStatus s;
  s.name = std::move(name);
  s.ready = ready;
  s.state.running = ContainerStateRunning{"2026-11-22T17:59:00Z"};
  return s;
}
ContainerStatus terminated(std::string name, int32_t code, std::string reason, int32_t signal = 0) {
  ContainerStatus s;
  s.name = std::move(name);
  ContainerStateTerminated t;
  t.exitCode = code;
  t.signal = signal;
  t.reason = std::move(reason);
  s.state.terminated = t;
  return s;
}

Pod basePod(size_t containers, size_t inits = 0) {
  Pod p;
  p.metadata.name = "p";
  p.metadata.creationTimestamp = "2026-11-22T17:55:00Z";
  p.status.phase = "Pending";
  for (size_t i = 0; i < containers; ++i) {
    p.spec.containers.emplace_back();
    p.spec.containers.back().name = "c" + std::to_string(i);
  }
  for (size_t i = 0; i < inits; ++i) {
    p.spec.initContainers.emplace_back();
    p.spec.initContainers.back().name = "i" + std::to_string(i);
  }
  return p;
}

struct Case {
  const char* name;
  std::function<Pod()> make;
  const char* status;
  const char* ready;
};

class StatusColumn : public ::testing::TestWithParam<Case> {};

TEST_P(StatusColumn, MatchesKubectl) {
  Pod pod = GetParam().make();
  PodColumns cols = podColumns(pod, kNow);
  EXPECT_EQ(cols.status, GetParam().status);
  EXPECT_EQ(cols.ready, GetParam().ready);
  EXPECT_EQ(podPhaseReasonForPrinting(pod, kNow), GetParam().status);
  EXPECT_EQ(readyColumn(pod), GetParam().ready);
}

INSTANTIATE_TEST_SUITE_P(
    Printer, StatusColumn,
    ::testing::Values(
        Case{"pendingNoStatus", [] { return basePod(1); }, "Pending", "0/1"},
        Case{"containerCreating",
             [] {
               Pod p = basePod(1);
               p.status.containerStatuses = {waiting("c0", "ContainerCreating")};
               return p;
             },
             "ContainerCreating", "0/1"},
        Case{"running",
             [] {
               Pod p = basePod(2);
               p.status.phase = "Running";
               p.status.containerStatuses = {running("c0", true), running("c1", true)};
               return p;
             },
             "Running", "2/2"},
        Case{"runningNotReady",
             [] {
               Pod p = basePod(2);
               p.status.phase = "Running";
               p.status.containerStatuses = {running("c0", true), running("c1", false)};
               return p;
             },
             "Running", "1/2"},
        Case{"crashLoop",
             [] {
               Pod p = basePod(2);
               p.status.phase = "Running";
               p.status.containerStatuses = {waiting("c0", "CrashLoopBackOff"), running("c1", true)};
               return p;
             },
             "CrashLoopBackOff", "1/2"},
        Case{"firstContainerWins",
             [] {
               Pod p = basePod(2);
               p.status.containerStatuses = {waiting("c0", "ErrImagePull"), waiting("c1", "ImagePullBackOff")};
               return p;
             },
             "ErrImagePull", "0/2"},
        Case{"completed",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Succeeded";
               p.status.containerStatuses = {terminated("c0", 0, "Completed")};
               return p;
             },
             "Completed", "0/1"},
        Case{"completedButOneRunningReady",
             [] {
               Pod p = basePod(2);
               p.status.phase = "Running";
               p.status.conditions.push_back(PodCondition{"Ready", "True", std::nullopt, "", "", ""});
               p.status.containerStatuses = {terminated("c0", 0, "Completed"), running("c1", true)};
               return p;
             },
             "Running", "1/2"},
        Case{"completedButOneRunningNotReadyPod",
             [] {
               Pod p = basePod(2);
               p.status.phase = "Running";
               p.status.containerStatuses = {terminated("c0", 0, "Completed"), running("c1", true)};
               return p;
             },
             "NotReady", "1/2"},
        Case{"error",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Failed";
               p.status.containerStatuses = {terminated("c0", 1, "Error")};
               return p;
             },
             "Error", "0/1"},
        Case{"oomKilled",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Failed";
               p.status.containerStatuses = {terminated("c0", 137, "OOMKilled")};
               return p;
             },
             "OOMKilled", "0/1"},
        Case{"exitCode",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Failed";
               p.status.containerStatuses = {terminated("c0", 3, "")};
               return p;
             },
             "ExitCode:3", "0/1"},
        Case{"signal",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Failed";
               p.status.containerStatuses = {terminated("c0", 137, "", 9)};
               return p;
             },
             "Signal:9", "0/1"},
        Case{"initProgress",
             [] {
               Pod p = basePod(1, 2);
               p.status.initContainerStatuses = {terminated("i0", 0, "Completed"), running("i1", false)};
               p.status.containerStatuses = {waiting("c0", "PodInitializing")};
               return p;
             },
             "Init:1/2", "0/1"},
        Case{"initPodInitializingIsProgress",
             [] {
               Pod p = basePod(1, 1);
               p.status.initContainerStatuses = {waiting("i0", "PodInitializing")};
               return p;
             },
             "Init:0/1", "0/1"},
        Case{"initWaitingReason",
             [] {
               Pod p = basePod(1, 1);
               p.status.initContainerStatuses = {waiting("i0", "CrashLoopBackOff")};
               return p;
             },
             "Init:CrashLoopBackOff", "0/1"},
        Case{"initTerminatedReason",
             [] {
               Pod p = basePod(1, 1);
               p.status.initContainerStatuses = {terminated("i0", 1, "Error")};
               return p;
             },
             "Init:Error", "0/1"},
        Case{"initExitCode",
             [] {
               Pod p = basePod(1, 1);
               p.status.initContainerStatuses = {terminated("i0", 2, "")};
               return p;
             },
             "Init:ExitCode:2", "0/1"},
        Case{"initSignal",
             [] {
               Pod p = basePod(1, 1);
               p.status.initContainerStatuses = {terminated("i0", 130, "", 2)};
               return p;
             },
             "Init:Signal:2", "0/1"},
        Case{"initDoneThenRunning",
             [] {
               Pod p = basePod(1, 1);
               p.status.phase = "Running";
               p.status.initContainerStatuses = {terminated("i0", 0, "Completed")};
               p.status.containerStatuses = {running("c0", true)};
               return p;
             },
             "Running", "1/1"},
        Case{"statusReason",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Failed";
               p.status.reason = "Evicted";
               return p;
             },
             "Evicted", "0/1"},
        Case{"schedulingGated",
             [] {
               Pod p = basePod(1);
               p.status.conditions.push_back(PodCondition{"PodScheduled", "False", std::nullopt, "", "SchedulingGated", ""});
               return p;
             },
             "SchedulingGated", "0/1"},
        Case{"terminating",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Running";
               p.metadata.deletionTimestamp = "2026-11-22T17:59:00Z";
               p.status.containerStatuses = {running("c0", true)};
               return p;
             },
             "Terminating", "1/1"},
        Case{"deletedButTerminal",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Succeeded";
               p.metadata.deletionTimestamp = "2026-11-22T17:59:00Z";
               p.status.containerStatuses = {terminated("c0", 0, "Completed")};
               return p;
             },
             "Completed", "0/1"},
        Case{"nodeLost",
             [] {
               Pod p = basePod(1);
               p.status.phase = "Running";
               p.status.reason = "NodeLost";
               p.metadata.deletionTimestamp = "2026-11-22T17:59:00Z";
               return p;
             },
             "Unknown", "0/1"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(RestartsColumn, CountsAndAge) {
  Pod p = basePod(2);
  EXPECT_EQ(restartsColumn(p, kNow), "0");
  p.status.containerStatuses = {running("c0", true), running("c1", true)};
  p.status.containerStatuses[0].restartCount = 2;
  p.status.containerStatuses[1].restartCount = 1;
  // Restarts without a recorded finish time show no age.
  EXPECT_EQ(restartsColumn(p, kNow), "3");
  ContainerStateTerminated older;
  older.finishedAt = "2026-11-22T17:50:00Z";
  ContainerStateTerminated newer;
  newer.finishedAt = "2026-11-22T17:59:55Z";
  p.status.containerStatuses[0].lastState.terminated = older;
  p.status.containerStatuses[1].lastState.terminated = newer;
  EXPECT_EQ(restartsColumn(p, kNow), "3 (5s ago)");
}

TEST(RestartsColumn, InitContainerRestartsWhileInitializing) {
  Pod p = basePod(1, 1);
  p.status.initContainerStatuses = {waiting("i0", "CrashLoopBackOff")};
  p.status.initContainerStatuses[0].restartCount = 4;
  ContainerStateTerminated last;
  last.finishedAt = "2026-11-22T17:57:00Z";
  p.status.initContainerStatuses[0].lastState.terminated = last;
  EXPECT_EQ(restartsColumn(p, kNow), "4 (3m ago)");
}

TEST(AgeColumn, HumanDuration) {
  EXPECT_EQ(ageColumn("2026-11-22T17:55:00Z", kNow), "5m");
  EXPECT_EQ(ageColumn("2026-11-22T17:59:30Z", kNow), "30s");
  EXPECT_EQ(ageColumn("2026-11-20T18:00:00Z", kNow), "2d");
  EXPECT_EQ(ageColumn("", kNow), "<unknown>");
  EXPECT_EQ(ageColumn("garbage", kNow), "<unknown>");
  EXPECT_EQ(podColumns(basePod(1), kNow).age, "5m");
}

}  // namespace
}  // namespace peapod::api
