#include "node/pod_status.h"

#include <algorithm>

namespace peapod::node {

namespace {

const api::ContainerStatus* find(const std::vector<api::ContainerStatus>& statuses, const std::string& name) {
  for (const auto& s : statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool succeeded(const api::ContainerStatus* s) {
  return s && s->state.terminated && s->state.terminated->exitCode == 0;
}

}  // namespace

bool isTerminalPhase(const std::string& phase) { return phase == "Succeeded" || phase == "Failed"; }

bool isSidecar(const api::Container& c) { return c.restartPolicy.value_or("") == "Always"; }

bool shouldRestartContainer(const api::PodSpec& spec, const api::Container& c, bool init, int exitCode) {
  if (init) return isSidecar(c) || (exitCode != 0 && spec.restartPolicy != "Never");
  return shouldRestart(spec.restartPolicy, exitCode);
}

bool initialized(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& initStatuses) {
  for (const auto& c : spec.initContainers) {
    const auto* s = find(initStatuses, c.name);
    if (isSidecar(c) ? !(s && s->started.value_or(false)) : !succeeded(s)) return false;
  }
  return true;
}

std::string podPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& initStatuses,
                     const std::vector<api::ContainerStatus>& statuses) {
  for (const auto& c : spec.initContainers) {
    const auto* s = find(initStatuses, c.name);
    if (isSidecar(c) || succeeded(s)) continue;
    bool failed = s && s->state.terminated && s->state.terminated->exitCode != 0;
    if (failed && spec.restartPolicy == "Never") return "Failed";
    return "Pending";
  }
  int waiting = 0, running = 0, stopped = 0, succeeded = 0;
  for (const auto& c : spec.containers) {
    const auto* it = find(statuses, c.name);
    if (!it) {
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

std::string terminatedReason(int exitCode, int signal, bool oomKilled) {
  if (oomKilled) return "OOMKilled";
  return exitCode == 0 && signal == 0 ? "Completed" : "Error";
}

}  // namespace peapod::node
