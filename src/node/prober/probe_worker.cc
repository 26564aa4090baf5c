#include "node/prober/probe_worker.h"

#include "base/log.h"

namespace peapod::node {
namespace {

using std::chrono::milliseconds;

void post(asio::io_context& io, ProbeCallback done, ProbeOutcome o) {
  asio::post(io, [done = std::move(done), o = std::move(o)]() mutable { done(std::move(o)); });
}

void runExec(const HandlerContext& ctx, const api::ExecAction& a, milliseconds timeout, ProbeCallback done) {
  if (!ctx.shim) return post(*ctx.io, std::move(done), {ProbeResult::kFailure, "no sandbox"});
  nlohmann::json fields{{"name", ctx.container.name}, {"command", a.command}, {"timeoutMs", timeout.count()}};
  ctx.shim->callAsync("exec", std::move(fields), [done = std::move(done)](Result<nlohmann::json> r) {
    if (!r.ok()) return done({ProbeResult::kFailure, r.error().message()});
    int code = r->value("exitCode", -1);
    if (code == 0) return done({ProbeResult::kSuccess, ""});
    done({ProbeResult::kFailure, "command exited with " + std::to_string(code) + ": " + r->value("output", "")});
  });
}

void runHttp(const HandlerContext& ctx, const api::HTTPGetAction& a, milliseconds timeout, ProbeCallback done) {
  auto port = resolvePort(a.port, ctx.container);
  if (!port.ok()) return post(*ctx.io, std::move(done), {ProbeResult::kFailure, port.error().message()});
  bool https = a.scheme == "HTTPS";
  std::string host = a.host.empty() ? ctx.podIP : a.host;
  httpProbe(*ctx.io, host, *port, https, httpProbeRequest(a, host, *port), timeout, std::move(done));
}

void runTcp(const HandlerContext& ctx, const api::TCPSocketAction& a, milliseconds timeout, ProbeCallback done) {
  auto port = resolvePort(a.port, ctx.container);
  if (!port.ok()) return post(*ctx.io, std::move(done), {ProbeResult::kFailure, port.error().message()});
  tcpProbe(*ctx.io, a.host.empty() ? ctx.podIP : a.host, *port, timeout, std::move(done));
}

}  // namespace

void runProbeAction(const HandlerContext& ctx, const api::Probe& p, milliseconds timeout, ProbeCallback done) {
  if (p.exec) return runExec(ctx, *p.exec, timeout, std::move(done));
  if (p.httpGet) return runHttp(ctx, *p.httpGet, timeout, std::move(done));
  if (p.tcpSocket) return runTcp(ctx, *p.tcpSocket, timeout, std::move(done));
  if (p.grpc) {
    grpcProbe(*ctx.io, ctx.podIP, p.grpc->port, p.grpc->service.value_or(""), timeout,
              [io = ctx.io, done = std::move(done)](ProbeOutcome o) mutable { post(*io, std::move(done), std::move(o)); });
    return;
  }
  post(*ctx.io, std::move(done), {ProbeResult::kUnknown, "probe has no handler"});
}

void runHookAction(const HandlerContext& ctx, const api::LifecycleHandler& h, milliseconds timeout, ProbeCallback done) {
  if (h.exec) return runExec(ctx, *h.exec, timeout, std::move(done));
  if (h.httpGet) return runHttp(ctx, *h.httpGet, timeout, std::move(done));
  if (h.tcpSocket) return runTcp(ctx, *h.tcpSocket, timeout, std::move(done));
  if (h.sleep) {
    auto timer = std::make_shared<asio::steady_timer>(*ctx.io);
    timer->expires_after(std::min<milliseconds>(std::chrono::seconds(h.sleep->seconds), timeout));
    timer->async_wait([timer, done = std::move(done)](const boost::system::error_code&) {
      done({ProbeResult::kSuccess, ""});
    });
    return;
  }
  post(*ctx.io, std::move(done), {ProbeResult::kSuccess, ""});
}

ProbeWorker::ProbeWorker(HandlerContext ctx, ProbeKind kind, api::Probe probe, ResultHandler onChange)
    : ctx_(std::move(ctx)),
      kind_(kind),
      probe_(std::move(probe)),
      timing_(probeTiming(probe_)),
      onChange_(std::move(onChange)),
      counter_(timing_.successThreshold, timing_.failureThreshold, probeInitialResult(kind)),
      timer_(*ctx_.io) {}

ProbeWorker::~ProbeWorker() { *alive_ = false; }

void ProbeWorker::start() { schedule(timing_.initialDelay); }

void ProbeWorker::schedule(milliseconds delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) probeOnce();
  });
}

void ProbeWorker::probeOnce() {
  if (stopped_) return;
  auto started = std::chrono::steady_clock::now();
  runs_++;
  runProbeAction(ctx_, probe_, timing_.timeout, [this, alive = alive_, started](ProbeOutcome o) {
    if (!*alive || stopped_) return;
    auto changed = counter_.record(o.result);
    // A failed liveness or startup probe ends this container run: the kubelet holds the worker
    // until the container is replaced (a new worker comes with it).
    if (changed && !*changed && kind_ != ProbeKind::kReadiness) stopped_ = true;
    if (!stopped_) {
      auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
      schedule(std::max(milliseconds(0), timing_.period - elapsed));
    }
    if (!changed) return;
    // The handler may destroy this worker: it runs from a copy, as the last thing here.
    auto cb = onChange_;
    cb(kind_, *changed, o.message);
  });
}

}  // namespace peapod::node
