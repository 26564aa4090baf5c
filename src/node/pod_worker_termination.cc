// PodWorker's termination: graceful deletion (stop signal, preStop, SIGKILL at the end of the grace
// period), forced deletion, activeDeadlineSeconds, and the sandbox torn down once nothing runs.
#include <csignal>

#include "base/log.h"
#include "node/log_paths.h"
#include "node/pod_manager.h"
#include "node/pod_status.h"
#include "node/pod_worker.h"

namespace peapod::node {

using std::chrono::milliseconds;

void PodWorker::kill() {
  removed_ = true;
  forceKill_ = true;
  if (!terminating_) beginTermination(milliseconds(0));
  else signalRunning(SIGKILL);
}

// Graceful termination: the stop signal to every container at once, SIGKILL when the grace
// period ends, then the sandbox goes and the object is deleted.
void PodWorker::beginTermination(milliseconds grace) {
  terminating_ = true;
  retryTimer_.cancel();
  deadlineTimer_.cancel();
  if (!sandbox_ || !anyRunning()) {
    maybeFinishTermination();
    return;
  }
  stopContainers(grace);
}

// App containers get their stop signal at once (sidecars once the apps are gone), SIGKILL for
// everything left when the grace period ends.
void PodWorker::stopContainers(milliseconds grace) {
  for (auto& [name, run] : runs_) run.timer->cancel();
  if (grace.count() <= 0) {
    signalRunning(SIGKILL);
    return;
  }
  graceEnd_ = std::chrono::steady_clock::now() + grace;
  signalRunning(0, /*sidecars=*/false);
  stopSidecarsIfAppsDone();
  after(graceTimer_, grace, [this] { signalRunning(SIGKILL); });
}

// The kubelet's activeDeadlineSeconds: the pod fails as a whole and its containers are stopped.
void PodWorker::onDeadline() {
  if (terminating_ || isTerminalPhase(pod_.status.phase)) return;
  event("Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
  failedReason_ = "DeadlineExceeded";
  failedMessage_ = "Pod was active on the node longer than the specified deadline";
  stopContainers(std::chrono::seconds(pod_.spec.terminationGracePeriodSeconds.value_or(30)));
  afterChange();
}

// signal 0 means a graceful stop: the preStop hook, then the image's STOPSIGNAL (SIGTERM by
// default). A container whose preStop ran keeps its own SIGKILL deadline (probe_lifecycle.cc).
void PodWorker::signalRunning(int signal, bool sidecars) {
  if (!sandbox_) return;
  std::vector<std::string> names;
  for (auto& [name, run] : runs_) {
    if (!run.running) continue;
    const auto* c = containerSpec(name);
    if (!sidecars && c && isInit(name) && isSidecar(*c)) continue;
    if (signal == SIGKILL && run.preStopStarted && !forceKill_) continue;
    names.push_back(name);
  }
  auto now = std::chrono::steady_clock::now();
  auto grace = graceEnd_ ? std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(*graceEnd_ - now))
                         : milliseconds(std::chrono::seconds(pod_.spec.terminationGracePeriodSeconds.value_or(30)));
  for (const auto& name : names) {
    if (signal == 0) stopContainer(name, grace, "");
    else signalOne(name, signal);
  }
}

void PodWorker::maybeFinishTermination() {
  if (anyRunning() || finished_) return;
  finished_ = true;
  graceTimer_.cancel();
  teardownSandbox();
  removePodFiles(manager_.config(), pod_, true);
  if (!removed_) {
    removed_ = true;
    manager_.callbacks().terminated(pod_);
  }
  manager_.release(uid());
}

void PodWorker::teardownSandbox() {
  done_ = true;
  if (!sandbox_) return;
  auto r = sandbox_->shim->call("shutdown");
  if (!r.ok()) log::warn("shim shutdown for pod " + pod_.metadata.name + ": " + r.error().message());
  dropSandbox();
}

void PodWorker::dropSandbox() {
  releaseAddress(sandbox_->ip);
  releaseSandbox(*sandbox_);
  sandbox_.reset();
}

}  // namespace peapod::node
