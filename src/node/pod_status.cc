#include "node/pod_status.h"

#include <algorithm>

namespace peapod::node {

std::string podPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& statuses) {
  int waiting = 0, running = 0, stopped = 0, succeeded = 0;
  for (const auto& c : spec.containers) {
    auto it = std::find_if(statuses.begin(), statuses.end(), [&](const auto& s) { return s.name == c.name; });
    if (it == statuses.end()) {
      ++waiting;
      continue;
    }
    const auto& st = it->state;
    if (st.running) {
      ++running;
    } else if (st.terminated) {
      ++stopped;
      if (st.terminated->exitCode == 0) ++succeeded;
    } else if (it->lastState.terminated) {
      ++stopped;  // waiting to restart after having run
    } else {
      ++waiting;
    }
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped == 0) return "Pending";
  if (spec.restartPolicy == "Always") return "Running";
  if (spec.restartPolicy == "OnFailure") return stopped == succeeded ? "Succeeded" : "Running";
  return stopped == succeeded ? "Succeeded" : "Failed";
}

bool shouldRestart(const std::string& restartPolicy, int exitCode) {
  if (restartPolicy == "Always") return true;
  if (restartPolicy == "OnFailure") return exitCode != 0;
  return false;
}

std::chrono::milliseconds restartDelay(int restartCount, std::chrono::milliseconds base,
                                       std::chrono::milliseconds max) {
  if (restartCount <= 0) return std::chrono::milliseconds(0);
  auto d = base;
  for (int i = 1; i < restartCount && d < max; ++i) d *= 2;
  return std::min(d, max);
}

void setCondition(api::PodStatus& status, const std::string& type, bool value, const std::string& now,
                  const std::string& reason) {
  std::string s = value ? "True" : "False";
  for (auto& c : status.conditions) {
    if (c.type != type) continue;
    if (c.status != s) {
      c.status = s;
      c.lastTransitionTime = now;
    }
    c.reason = reason;
    return;
  }
  api::PodCondition c;
  c.type = type;
  c.status = s;
  c.lastTransitionTime = now;
  c.reason = reason;
  status.conditions.push_back(std::move(c));
}

std::string terminatedReason(int exitCode, int signal) {
  return exitCode == 0 && signal == 0 ? "Completed" : "Error";
}

}  // namespace peapod::node
