// PodWorker's answers to exits: a container's terminated state, restarts by restartPolicy with the
// kubelet's CrashLoopBackOff, sidecars stopped once the app containers are done, and a dead
// sandbox (its shim gone) replaced as the kubelet replaces one.
#include <csignal>

#include "base/log.h"
#include "base/time.h"
#include "node/pod_manager.h"
#include "node/pod_status.h"
#include "node/pod_worker.h"

namespace peapod::node {

using std::chrono::milliseconds;

// Turns an exit the shim reported into the container's terminated state.
void PodWorker::recordExit(const runtime::ContainerState& ex) {
  auto& run = runs_[ex.name];
  run.running = false;
  forgetRun(ex.name);
  auto& st = statusOf(ex.name);
  api::ContainerStateTerminated t;
  // Like containerd: death by signal N is exit code 128+N.
  t.exitCode = ex.signal != 0 ? 128 + ex.signal : ex.exitCode;
  t.reason = terminatedReason(t.exitCode, 0, ex.oomKilled);
  t.startedAt = secondsPrecision(ex.startedAt);
  t.finishedAt = secondsPrecision(ex.finishedAt);
  t.containerID = st.containerID;
  st.state = {};
  st.state.terminated = t;
  st.ready = false;
  st.started = false;
  auto started = parseRfc3339(ex.startedAt), finished = parseRfc3339(ex.finishedAt);
  if (started && finished && *finished - *started >= std::chrono::minutes(10)) run.backoffCount = 0;
}

void PodWorker::onExit(const runtime::ContainerState& ex) {
  auto it = runs_.find(ex.name);
  if (it == runs_.end() || !it->second.running) return;  // stale or unknown
  recordExit(ex);
  if (terminating_) {
    stopSidecarsIfAppsDone();
    afterChange();
    maybeFinishTermination();
    return;
  }
  const api::Container* c = containerSpec(ex.name);
  int code = statusOf(ex.name).state.terminated->exitCode;
  bool podDone = isTerminalPhase(podPhase(pod_.spec, pod_.status.initContainerStatuses, pod_.status.containerStatuses));
  if (c && failedReason_.empty() && !podDone && shouldRestartContainer(pod_.spec, *c, isInit(ex.name), code)) {
    scheduleRestart(ex.name);
  } else if (isInit(ex.name) && code == 0) {
    advance();
  }
  stopSidecarsIfAppsDone();
  afterChange();
}

// Sidecars serve the app containers: once those have all finished for good, sidecars get their
// stop signal, and SIGKILL when the grace period ends (termination arms its own timer).
void PodWorker::stopSidecarsIfAppsDone() {
  if (pod_.spec.initContainers.empty() || sidecarsStopping_ || anyRunning(false)) return;
  bool appsDone = terminating_ || !failedReason_.empty() ||
                  isTerminalPhase(podPhase(pod_.spec, pod_.status.initContainerStatuses, pod_.status.containerStatuses));
  if (!appsDone || !anyRunning()) return;
  sidecarsStopping_ = true;
  signalRunning(0);
  if (!terminating_ && failedReason_.empty()) {
    after(graceTimer_, std::chrono::seconds(pod_.spec.terminationGracePeriodSeconds.value_or(30)),
          [this] { signalRunning(SIGKILL); });
  }
}

// The kubelet's CrashLoopBackOff: restart at once the first time, then after a doubling delay.
void PodWorker::scheduleRestart(const std::string& name) {
  auto& run = runs_[name];
  auto& st = statusOf(name);
  auto delay = restartDelay(run.backoffCount, manager_.config().restartBackoffBase, manager_.config().restartBackoffMax);
  run.backoffCount++;
  run.restartPending = true;
  st.lastState = {};
  st.lastState.terminated = st.state.terminated;
  if (delay.count() == 0) {
    post([this, name] {
      startContainer(name);
      afterChange();
    });
    return;
  }
  st.state = {};
  std::string secs = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(delay).count()) + "s";
  st.state.waiting = api::ContainerStateWaiting{
      "CrashLoopBackOff", "back-off " + secs + " restarting failed container=" + name + " pod=" + pod_.metadata.name +
                              "_" + pod_.metadata.namespace_ + "(" + uid() + ")"};
  event("Warning", "BackOff", "Back-off restarting failed container " + name + " in pod " + pod_.metadata.name + "_" +
                                  pod_.metadata.namespace_ + "(" + uid() + ")");
  after(*run.timer, delay, [this, name] {
    startContainer(name);
    afterChange();
  });
}

void PodWorker::onShimClosed() {
  if (!sandbox_) return;
  log::warn("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name + ": shim exited unexpectedly");
  for (auto& [name, run] : runs_) {
    if (!run.running) continue;
    runtime::ContainerState ex;
    ex.name = name;
    ex.signal = SIGKILL;
    ex.finishedAt = formatRfc3339Nano(WallClock::now());
    recordExit(ex);
  }
  dropSandbox();
  if (terminating_) {
    maybeFinishTermination();
    return;
  }
  // A dead sandbox: the kubelet makes a new one and restarts the containers by policy.
  pod_.status.podIP.clear();
  pod_.status.podIPs.clear();
  forEachContainer([&](const api::Container& c, bool init) {
    auto& st = statusOf(c.name);
    if (st.state.terminated && shouldRestartContainer(pod_.spec, c, init, st.state.terminated->exitCode)) {
      runs_[c.name].restartPending = true;
      st.lastState = {};
      st.lastState.terminated = st.state.terminated;
    }
  });
  afterChange();
  if (!isTerminalPhase(pod_.status.phase)) {
    after(retryTimer_, milliseconds(0), [this] {
      createSandbox();
      // Containers that will not run again keep their state; the rest start over in order.
      for (auto& [name, run] : runs_) {
        if (run.restartPending && sandbox_) startContainer(name);
      }
      afterChange();
    });
  }
}

}  // namespace peapod::node
