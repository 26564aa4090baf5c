// Mirrors printPod of kubectl (pkg/printers/internalversion/printers.go) for the pod table.
#include "api/status_text.h"

#include <optional>

namespace peapod::api {

namespace {

bool conditionTrue(const PodStatus& s, std::string_view type) {
  for (const auto& c : s.conditions)
    if (c.type == type && c.status == "True") return true;
  return false;
}

// Tracks the newest lastState.terminated.finishedAt seen; kNoTime (Go's zero time) until then.
constexpr WallTime kNoTime = WallTime::min();
void noteLastRestart(const ContainerStatus& c, WallTime& last) {
  if (!c.lastState.terminated) return;
  auto t = parseRfc3339(c.lastState.terminated->finishedAt);
  if (t && last < *t) last = *t;
}

std::string since(WallTime t, WallTime now) {
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - t));
}

}  // namespace

std::string ageColumn(std::string creationTimestamp, WallTime now) {
  auto t = parseRfc3339(creationTimestamp);
  if (!t) return "<unknown>";
  return since(*t, now);
}

PodColumns podColumns(const Pod& pod, WallTime now) {
  const PodStatus& st = pod.status;
  int restarts = 0;
  int ready = 0;
  size_t total = pod.spec.containers.size();
  WallTime lastRestart = kNoTime;

  std::string reason = st.phase;
  if (!st.reason.empty()) reason = st.reason;
  for (const auto& c : st.conditions)
    if (c.type == "PodScheduled" && c.reason == "SchedulingGated") reason = "SchedulingGated";

  // 1. Init containers: the first one not done successfully decides the status.
  bool initializing = false;
  for (size_t i = 0; i < st.initContainerStatuses.size(); ++i) {
    const ContainerStatus& c = st.initContainerStatuses[i];
    restarts += c.restartCount;
    noteLastRestart(c, lastRestart);
    const auto& term = c.state.terminated;
    const auto& wait = c.state.waiting;
    if (term && term->exitCode == 0) continue;
    if (term) {
      if (term->reason.empty()) {
        reason = term->signal != 0 ? "Init:Signal:" + std::to_string(term->signal)
                                   : "Init:ExitCode:" + std::to_string(term->exitCode);
      } else {
        reason = "Init:" + term->reason;
      }
    } else if (wait && !wait->reason.empty() && wait->reason != "PodInitializing") {
      reason = "Init:" + wait->reason;
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(pod.spec.initContainers.size());
    }
    initializing = true;
    break;
  }

  // 2. Regular containers, last to first so the first container's reason wins.
  if (!initializing || conditionTrue(st, "Initialized")) {
    restarts = 0;
    lastRestart = kNoTime;
    bool hasRunning = false;
    for (size_t k = st.containerStatuses.size(); k-- > 0;) {
      const ContainerStatus& c = st.containerStatuses[k];
      restarts += c.restartCount;
      noteLastRestart(c, lastRestart);
      const auto& term = c.state.terminated;
      const auto& wait = c.state.waiting;
      if (wait && !wait->reason.empty()) {
        reason = wait->reason;
      } else if (term && !term->reason.empty()) {
        reason = term->reason;
      } else if (term) {
        reason = term->signal != 0 ? "Signal:" + std::to_string(term->signal)
                                   : "ExitCode:" + std::to_string(term->exitCode);
      } else if (c.ready && c.state.running) {
        hasRunning = true;
        ++ready;
      }
    }
    // A pod whose first container completed while another still runs is not "Completed".
    if (reason == "Completed" && hasRunning) reason = conditionTrue(st, "Ready") ? "Running" : "NotReady";
  }

  // 3. Deletion overrides everything for pods that have not finished.
  bool terminal = st.phase == "Succeeded" || st.phase == "Failed";
  if (pod.metadata.deletionTimestamp && st.reason == "NodeLost") {
    reason = "Unknown";
  } else if (pod.metadata.deletionTimestamp && !terminal) {
    reason = "Terminating";
  }

  PodColumns cols;
  cols.ready = std::to_string(ready) + "/" + std::to_string(total);
  cols.status = reason;
  cols.restarts = std::to_string(restarts);
  if (restarts != 0 && lastRestart != kNoTime) cols.restarts += " (" + since(lastRestart, now) + " ago)";
  cols.age = ageColumn(pod.metadata.creationTimestamp, now);
  return cols;
}

std::string podPhaseReasonForPrinting(const Pod& pod, WallTime now) { return podColumns(pod, now).status; }
std::string readyColumn(const Pod& pod) { return podColumns(pod, WallTime{}).ready; }
std::string restartsColumn(const Pod& pod, WallTime now) { return podColumns(pod, now).restarts; }

}  // namespace peapod::api
