// PodWorker's probes and lifecycle hooks, as the kubelet runs them: postStart before a container
// counts as Running, startup/liveness/readiness workers per container run, kills for failed
// probes and hooks, preStop before the stop signal within the grace period.
#include <csignal>

#include "base/log.h"
#include "base/time.h"
#include "node/pod_manager.h"
#include "node/pod_status.h"
#include "node/pod_worker.h"

namespace peapod::node {
namespace {

using std::chrono::milliseconds;

}  // namespace

std::string PodWorker::podRef() const { return pod_.metadata.namespace_ + "/" + pod_.metadata.name; }

HandlerContext PodWorker::handlerContext(const api::Container& c) const {
  HandlerContext ctx;
  ctx.io = &manager_.io();
  ctx.shim = sandbox_ ? sandbox_->shim.get() : nullptr;
  ctx.podIP = sandbox_ ? sandbox_->ip : pod_.status.podIP;
  ctx.container = c;
  return ctx;
}

// The process runs. With a postStart hook the container stays Waiting (ContainerCreating) until
// the hook succeeds; a failed hook kills it and the restart policy decides what follows.
void PodWorker::onContainerStarted(const std::string& name, const std::string& startedAt) {
  auto& run = runs_[name];
  const api::Container* c = containerSpec(name);
  run.attempt++;
  run.stopping = false;
  run.preStopStarted = false;
  auto& st = statusOf(name);
  st.started = false;
  st.ready = false;
  const auto* hook = c && c->lifecycle && c->lifecycle->postStart ? &*c->lifecycle->postStart : nullptr;
  if (!hook) {
    markRunning(name, startedAt);
    return;
  }
  st.state = {};
  st.state.waiting = api::ContainerStateWaiting{"ContainerCreating", ""};
  run.postStartPending = true;
  uint64_t attempt = run.attempt;
  // The kubelet bounds postStart by nothing but the container's life; the pod's grace period is
  // a generous bound that keeps a wedged hook from holding the container forever.
  milliseconds timeout = std::chrono::seconds(std::max<int64_t>(pod_.spec.terminationGracePeriodSeconds.value_or(30), 30));
  runHookAction(handlerContext(*c), *hook, timeout, [this, alive = alive_, name, attempt, startedAt](ProbeOutcome o) {
    if (!*alive) return;
    auto& r = runs_[name];
    if (r.attempt != attempt || !r.running) return;
    r.postStartPending = false;
    if (o.result == ProbeResult::kSuccess) {
      markRunning(name, startedAt);
    } else {
      log::warn("pod " + podRef() + ": FailedPostStartHook: container " + name + ": " + o.message);
      event("Warning", "FailedPostStartHook", "PostStartHook failed: " + o.message);
      stopContainer(name, std::chrono::seconds(pod_.spec.terminationGracePeriodSeconds.value_or(30)),
                    "FailedPostStartHook");
    }
    afterChange();
  });
}

void PodWorker::markRunning(const std::string& name, const std::string& startedAt) {
  const api::Container* c = containerSpec(name);
  auto& st = statusOf(name);
  st.state = {};
  st.state.running = api::ContainerStateRunning{startedAt};
  bool hasStartup = c && c->startupProbe;
  st.started = !hasStartup;
  // Regular init containers are never ready; others are once started, unless a readiness probe
  // has yet to pass.
  st.ready = st.started.value_or(false) && !(c && c->readinessProbe) && !(isInit(name) && !(c && isSidecar(*c)));
  if (terminating_) return;
  startProbes(name, /*afterStartup=*/false);
  if (isInit(name) && c && isSidecar(*c) && st.started.value_or(false)) {
    post([this] {
      advance();
      afterChange();
    });
  }
}

// Startup first when there is one; liveness and readiness once it has succeeded.
void PodWorker::startProbes(const std::string& name, bool afterStartup) {
  const api::Container* c = containerSpec(name);
  if (!c || !sandbox_) return;
  auto& run = runs_[name];
  uint64_t attempt = run.attempt;
  auto add = [&](ProbeKind kind, const std::optional<api::Probe>& p) {
    if (!p) return;
    auto w = std::make_unique<ProbeWorker>(handlerContext(*c), kind, *p,
                                           [this, name, attempt](ProbeKind k, bool ok, const std::string& msg) {
                                             onProbeResult(name, attempt, k, ok, msg);
                                           });
    w->start();
    run.probes.push_back(std::move(w));
  };
  if (!afterStartup && c->startupProbe) {
    add(ProbeKind::kStartup, c->startupProbe);
    return;
  }
  add(ProbeKind::kLiveness, c->livenessProbe);
  add(ProbeKind::kReadiness, c->readinessProbe);
}

void PodWorker::onProbeResult(const std::string& name, uint64_t attempt, ProbeKind kind, bool ok,
                              const std::string& message) {
  auto& run = runs_[name];
  if (run.attempt != attempt || !run.running || terminating_) return;
  const api::Container* c = containerSpec(name);
  auto& st = statusOf(name);
  if (!ok) {
    log::info("pod " + podRef() + ": Unhealthy: " + probeKindName(kind) + " probe failed for container " + name + ": " + message);
    event("Warning", "Unhealthy", std::string(probeKindName(kind)) + " probe failed: " + message);
  }
  switch (kind) {
    case ProbeKind::kStartup:
      if (ok) {
        st.started = true;
        st.ready = !c->readinessProbe && !(isInit(name) && !isSidecar(*c));
        // Not from inside the startup worker's callback: starting probes replaces the workers.
        post([this, name, attempt] {
          if (runs_[name].attempt != attempt) return;
          startProbes(name, /*afterStartup=*/true);
          advance();
          afterChange();
        });
      } else {
        log::info("pod " + podRef() + ": Killing: container " + name + " failed startup probe, will be restarted");
        event("Normal", "Killing", "Container " + name + " failed startup probe, will be restarted");
        stopContainer(name, probeKillGrace(*c->startupProbe, pod_.spec), "Unhealthy");
      }
      break;
    case ProbeKind::kLiveness:
      if (!ok) {
        log::info("pod " + podRef() + ": Killing: container " + name + " failed liveness probe, will be restarted");
        event("Normal", "Killing", "Container " + name + " failed liveness probe, will be restarted");
        stopContainer(name, probeKillGrace(*c->livenessProbe, pod_.spec), "Unhealthy");
      }
      break;
    case ProbeKind::kReadiness:
      st.ready = ok && st.started.value_or(false);
      break;
  }
  afterChange();
}

// One container's graceful stop: preStop (bounded by the grace period), then the stop signal,
// SIGKILL when what is left of the grace period (at least 2 s after a preStop) ends.
void PodWorker::stopContainer(const std::string& name, milliseconds grace, const std::string& why) {
  auto& run = runs_[name];
  if (!run.running || run.stopping) return;
  run.stopping = true;
  if (why != "Unhealthy") event("Normal", "Killing", "Stopping container " + name);
  // A stopping container is no longer probed (a liveness kill must not repeat).
  run.probes.clear();
  const api::Container* c = containerSpec(name);
  int sig = stopSignalOf(name);
  uint64_t attempt = run.attempt;
  auto arm = [this, name, attempt](milliseconds d) {
    after(*runs_[name].killTimer, d, [this, name, attempt] {
      if (runs_[name].attempt == attempt) signalOne(name, SIGKILL);
    });
  };
  const auto* hook = c && c->lifecycle && c->lifecycle->preStop && grace.count() > 0 && !forceKill_ ? &*c->lifecycle->preStop : nullptr;
  if (!hook) {
    signalOne(name, sig);
    arm(grace);
    return;
  }
  run.preStopStarted = true;
  auto began = std::chrono::steady_clock::now();
  runHookAction(handlerContext(*c), *hook, grace, [this, alive = alive_, name, attempt, grace, began, sig, arm](ProbeOutcome o) {
    if (!*alive || runs_[name].attempt != attempt || !runs_[name].running) return;
    if (o.result != ProbeResult::kSuccess) {
      log::warn("pod " + podRef() + ": FailedPreStopHook: container " + name + ": " + o.message);
      event("Warning", "FailedPreStopHook", "PreStopHook failed: " + o.message);
    }
    auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - began);
    signalOne(name, sig);
    arm(graceAfterPreStop(grace, elapsed));
  });
}

void PodWorker::signalOne(const std::string& name, int signal) {
  if (!sandbox_ || !runs_[name].running) return;
  auto r = sandbox_->shim->call("signal", {{"name", name}, {"signal", signal}});
  if (!r.ok()) log::warn("signal container " + name + ": " + r.error().message());
}

void PodWorker::forgetRun(const std::string& name) {
  auto& run = runs_[name];
  run.attempt++;
  run.probes.clear();
  run.postStartPending = false;
  if (run.killTimer) run.killTimer->cancel();
}

}  // namespace peapod::node
