// The kubelet's status rules as pure functions: pod phase, conditions, restart decisions, back-off.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/types.h"

namespace peapod::node {

// status.phase from the containers' states, as the kubelet's getPhase computes it: Pending until
// every regular init container has succeeded (Failed if one failed under restartPolicy Never).
std::string podPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& initStatuses,
                     const std::vector<api::ContainerStatus>& statuses);

// Succeeded or Failed: the pod runs nothing more.
bool isTerminalPhase(const std::string& phase);

// Whether a container that exited with `exitCode` is started again under `restartPolicy`.
bool shouldRestart(const std::string& restartPolicy, int exitCode);

// An init container with restartPolicy Always: a sidecar that keeps running beside the app.
bool isSidecar(const api::Container& c);

// Whether `c`, after exiting with `exitCode`, runs again: sidecars always; regular init containers
// until they succeed unless the pod's policy is Never; app containers by the pod's policy.
bool shouldRestartContainer(const api::PodSpec& spec, const api::Container& c, bool init, int exitCode);

// Every regular init container has succeeded and every sidecar has started.
bool initialized(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& initStatuses);

// The wait before restart number `restartCount` + 1: none for the first restart, then base,
// doubling up to max (the kubelet's CrashLoopBackOff).
std::chrono::milliseconds restartDelay(int restartCount, std::chrono::milliseconds base,
                                       std::chrono::milliseconds max);

// Sets condition `type` to "True"/"False"; lastTransitionTime moves only when the status changes.
void setCondition(api::PodStatus& status, const std::string& type, bool value, const std::string& now,
                  const std::string& reason = "");

// The terminated reason the kubelet reports: "OOMKilled" when the kernel's OOM killer struck in
// the container's cgroup, else "Completed" for exit 0 and "Error" otherwise.
std::string terminatedReason(int exitCode, int signal, bool oomKilled = false);

}  // namespace peapod::node
