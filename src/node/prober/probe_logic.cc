#include "node/prober/probe_logic.h"

#include <algorithm>
#include <cctype>

namespace peapod::node {

const char* probeKindName(ProbeKind k) {
  switch (k) {
    case ProbeKind::kStartup: return "Startup";
    case ProbeKind::kLiveness: return "Liveness";
    case ProbeKind::kReadiness: return "Readiness";
  }
  return "?";
}

Result<int> resolvePort(const api::IntOrString& port, const api::Container& c) {
  int n = 0;
  if (!port.isString) {
    n = port.intVal;
  } else {
    bool digits = !port.strVal.empty() &&
                  std::all_of(port.strVal.begin(), port.strVal.end(), [](unsigned char ch) { return std::isdigit(ch); });
    if (digits && port.strVal.size() < 6) {
      n = std::stoi(port.strVal);
    } else {
      auto it = std::find_if(c.ports.begin(), c.ports.end(), [&](const api::ContainerPort& p) { return p.name == port.strVal; });
      if (it == c.ports.end()) return Error("couldn't find port: " + port.strVal + " in container " + c.name);
      n = it->containerPort;
    }
  }
  if (n <= 0 || n > 65535) return Error("invalid port number: " + std::to_string(n));
  return n;
}

ProbeTiming probeTiming(const api::Probe& p) {
  ProbeTiming t;
  t.initialDelay = std::chrono::seconds(std::max(0, p.initialDelaySeconds));
  if (p.periodSeconds > 0) t.period = std::chrono::seconds(p.periodSeconds);
  if (p.timeoutSeconds > 0) t.timeout = std::chrono::seconds(p.timeoutSeconds);
  if (p.successThreshold > 0) t.successThreshold = p.successThreshold;
  if (p.failureThreshold > 0) t.failureThreshold = p.failureThreshold;
  return t;
}

std::optional<bool> ProbeCounter::record(ProbeResult r) {
  if (r == ProbeResult::kUnknown) return std::nullopt;
  bool ok = r == ProbeResult::kSuccess;
  if (last_ == ok) {
    run_++;
  } else {
    last_ = ok;
    run_ = 1;
  }
  if (run_ < (ok ? success_ : failure_)) return std::nullopt;
  if (current_ == ok) return std::nullopt;
  current_ = ok;
  return ok;
}

bool probeActive(ProbeKind kind, bool started) { return kind == ProbeKind::kStartup ? !started : started; }

std::optional<bool> probeInitialResult(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kReadiness: return false;
    case ProbeKind::kLiveness: return true;
    default: return std::nullopt;
  }
}

std::chrono::seconds probeKillGrace(const api::Probe& p, const api::PodSpec& spec) {
  if (p.terminationGracePeriodSeconds) return std::chrono::seconds(*p.terminationGracePeriodSeconds);
  return std::chrono::seconds(spec.terminationGracePeriodSeconds.value_or(30));
}

std::chrono::milliseconds graceAfterPreStop(std::chrono::milliseconds grace, std::chrono::milliseconds elapsed) {
  return std::max(grace - elapsed, std::chrono::milliseconds(2000));
}

std::string httpProbeRequest(const api::HTTPGetAction& a, const std::string& host, int port) {
  std::string path = a.path.empty() ? "/" : a.path;
  if (path[0] != '/') path = "/" + path;
  bool hasHost = false, hasAgent = false, hasAccept = false;
  std::string headers;
  for (const auto& h : a.httpHeaders) {
    std::string lower = h.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "host") hasHost = true;
    if (lower == "user-agent") hasAgent = true;
    if (lower == "accept") hasAccept = true;
    if (h.name.find_first_of("\r\n:") != std::string::npos || h.value.find_first_of("\r\n") != std::string::npos) continue;
    headers += h.name + ": " + h.value + "\r\n";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\n";
  if (!hasHost) req += "Host: " + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port) + "\r\n";
  if (!hasAgent) req += "User-Agent: kube-probe/1.31\r\n";
  if (!hasAccept) req += "Accept: */*\r\n";
  req += headers + "Connection: close\r\n\r\n";
  return req;
}

std::optional<int> httpStatusCode(const std::string& head) {
  // "HTTP/1.x NNN ..."
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12 || head[8] != ' ') return std::nullopt;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(head[i]))) return std::nullopt;
    code = code * 10 + (head[i] - '0');
  }
  return code;
}

}  // namespace peapod::node
