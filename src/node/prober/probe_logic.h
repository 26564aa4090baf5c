// Pure decisions of the prober and hook runner (pkg/kubelet/prober semantics): port resolution,
// threshold counting, HTTP request/response text, grace periods. No I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "api/types.h"
#include "base/result.h"

namespace peapod::node {

enum class ProbeKind { kStartup, kLiveness, kReadiness };
const char* probeKindName(ProbeKind k);  // "Startup", "Liveness", "Readiness" (as in kubelet events)

// The outcome of one probe or hook run. kUnknown: could not be run (not counted either way).
enum class ProbeResult { kSuccess, kFailure, kUnknown };
struct ProbeOutcome {
  ProbeResult result = ProbeResult::kUnknown;
  std::string message;  // why it failed, for logs
};

// port as a number, or the containerPort of c's port with that name.
Result<int> resolvePort(const api::IntOrString& port, const api::Container& c);

// Probe timing and thresholds with the Kubernetes defaults filled in where unset (<= 0).
struct ProbeTiming {
  std::chrono::milliseconds initialDelay{0}, period{10'000}, timeout{1'000};
  int successThreshold = 1, failureThreshold = 3;
};
ProbeTiming probeTiming(const api::Probe& p);

// The kubelet worker's consecutive-result rule: a result only takes effect after
// successThreshold successes or failureThreshold failures in a row.
class ProbeCounter {
 public:
  ProbeCounter(int successThreshold, int failureThreshold, std::optional<bool> initial)
      : success_(successThreshold), failure_(failureThreshold), current_(initial) {}
  // Records one run; returns the effective result when it changed. Unknown runs are skipped.
  std::optional<bool> record(ProbeResult r);
  std::optional<bool> current() const { return current_; }

 private:
  int success_, failure_;
  std::optional<bool> current_;
  std::optional<bool> last_;
  int run_ = 0;
};

// Whether a probe of this kind runs now: liveness and readiness wait until the startup probe
// succeeded (started); the startup probe stops once it has.
bool probeActive(ProbeKind kind, bool started);

// The initial effective result: readiness starts failed, liveness succeeded, startup unknown.
std::optional<bool> probeInitialResult(ProbeKind kind);

// Grace period for a kill caused by a failed liveness/startup probe: the probe's own
// terminationGracePeriodSeconds, else the pod's, else 30 s.
std::chrono::seconds probeKillGrace(const api::Probe& p, const api::PodSpec& spec);

// After a preStop hook took `elapsed` of `grace`, the kubelet still gives the container at
// least 2 seconds between the stop signal and SIGKILL.
std::chrono::milliseconds graceAfterPreStop(std::chrono::milliseconds grace, std::chrono::milliseconds elapsed);

// An HTTP/1.1 GET as the kubelet's prober sends it (User-Agent kube-probe, Accept */*,
// Connection: close; user headers override, Host included).
std::string httpProbeRequest(const api::HTTPGetAction& a, const std::string& host, int port);
// The status code from a response head ("HTTP/1.1 200 OK\r\n..."), or nullopt if malformed.
std::optional<int> httpStatusCode(const std::string& head);
// kubelet: 200..399 is success (redirects are not followed off-host; a 3xx counts as success).
inline bool httpSuccess(int code) { return code >= 200 && code < 400; }

}  // namespace peapod::node
