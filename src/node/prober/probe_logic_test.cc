#include "node/prober/probe_logic.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

api::Container webContainer() {
  api::Container c;
  c.name = "web";
  api::ContainerPort http;
  http.name = "http";
  http.containerPort = 8080;
  c.ports.push_back(http);
  return c;
}

TEST(ResolvePort, NumberNameAndErrors) {
  auto c = webContainer();
  EXPECT_EQ(*resolvePort(api::IntOrString::ofInt(81), c), 81);
  EXPECT_EQ(*resolvePort(api::IntOrString::ofString("http"), c), 8080);
  EXPECT_EQ(*resolvePort(api::IntOrString::ofString("9090"), c), 9090);
  auto missing = resolvePort(api::IntOrString::ofString("grpc"), c);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "couldn't find port: grpc in container web");
  EXPECT_FALSE(resolvePort(api::IntOrString::ofInt(0), c).ok());
  EXPECT_FALSE(resolvePort(api::IntOrString::ofInt(70000), c).ok());
}

TEST(ProbeTiming, DefaultsWhereUnset) {
  api::Probe p;
  auto t = probeTiming(p);
  EXPECT_EQ(t.period, seconds(10));
  EXPECT_EQ(t.timeout, seconds(1));
  EXPECT_EQ(t.successThreshold, 1);
  EXPECT_EQ(t.failureThreshold, 3);
  p.initialDelaySeconds = 5;
  p.periodSeconds = 2;
  p.failureThreshold = 1;
  t = probeTiming(p);
  EXPECT_EQ(t.initialDelay, seconds(5));
  EXPECT_EQ(t.period, seconds(2));
  EXPECT_EQ(t.failureThreshold, 1);
}

TEST(ProbeCounter, ThresholdsCountConsecutiveResults) {
  constexpr auto S = ProbeResult::kSuccess, F = ProbeResult::kFailure, U = ProbeResult::kUnknown;
  // Readiness: starts failed; 2 successes in a row make it ready, 3 failures in a row unready.
  ProbeCounter c(2, 3, false);
  EXPECT_EQ(c.record(S), std::nullopt);
  EXPECT_EQ(c.record(F), std::nullopt);
  EXPECT_EQ(c.record(S), std::nullopt);
  EXPECT_EQ(c.record(U), std::nullopt);  // unknown neither counts nor breaks the run
  EXPECT_EQ(c.record(S), true);
  EXPECT_EQ(c.record(S), std::nullopt);  // no change, no report
  EXPECT_EQ(c.record(F), std::nullopt);
  EXPECT_EQ(c.record(F), std::nullopt);
  EXPECT_EQ(c.record(S), std::nullopt);  // run broken
  EXPECT_EQ(c.record(F), std::nullopt);
  EXPECT_EQ(c.record(F), std::nullopt);
  EXPECT_EQ(c.record(F), false);
  EXPECT_EQ(c.current(), false);
}

TEST(ProbeCounter, StartupHasNoInitialResult) {
  ProbeCounter c(1, 2, probeInitialResult(ProbeKind::kStartup));
  EXPECT_EQ(c.current(), std::nullopt);
  EXPECT_EQ(c.record(ProbeResult::kFailure), std::nullopt);
  EXPECT_EQ(c.record(ProbeResult::kFailure), false);
  ProbeCounter live(1, 1, probeInitialResult(ProbeKind::kLiveness));
  EXPECT_EQ(live.record(ProbeResult::kSuccess), std::nullopt);  // already healthy
  EXPECT_EQ(live.record(ProbeResult::kFailure), false);
}

TEST(ProbeScheduling, StartupGatesTheOthers) {
  EXPECT_TRUE(probeActive(ProbeKind::kStartup, false));
  EXPECT_FALSE(probeActive(ProbeKind::kStartup, true));
  EXPECT_FALSE(probeActive(ProbeKind::kLiveness, false));
  EXPECT_FALSE(probeActive(ProbeKind::kReadiness, false));
  EXPECT_TRUE(probeActive(ProbeKind::kLiveness, true));
  EXPECT_EQ(probeInitialResult(ProbeKind::kReadiness), false);
  EXPECT_EQ(probeInitialResult(ProbeKind::kLiveness), true);
}

TEST(ProbeScheduling, GracePeriods) {
  api::PodSpec spec;
  api::Probe p;
  EXPECT_EQ(probeKillGrace(p, spec), seconds(30));
  spec.terminationGracePeriodSeconds = 5;
  EXPECT_EQ(probeKillGrace(p, spec), seconds(5));
  p.terminationGracePeriodSeconds = 1;
  EXPECT_EQ(probeKillGrace(p, spec), seconds(1));
  // preStop leaves what is left of the grace period, but never less than 2 s.
  EXPECT_EQ(graceAfterPreStop(seconds(30), seconds(10)), seconds(20));
  EXPECT_EQ(graceAfterPreStop(seconds(5), milliseconds(4500)), seconds(2));
  EXPECT_EQ(graceAfterPreStop(seconds(2), seconds(2)), seconds(2));
}

TEST(HttpProbe, RequestAndStatus) {
  api::HTTPGetAction a;
  a.path = "healthz";
  a.httpHeaders = {{"X-Probe", "yes"}, {"Accept", "text/plain"}, {"Bad\r\nHeader", "x"}};
  std::string req = httpProbeRequest(a, "10.88.0.5", 8080);
  EXPECT_EQ(req,
            "GET /healthz HTTP/1.1\r\nHost: 10.88.0.5:8080\r\nUser-Agent: kube-probe/1.31\r\n"
            "X-Probe: yes\r\nAccept: text/plain\r\nConnection: close\r\n\r\n");
  a.httpHeaders = {{"Host", "example"}};
  EXPECT_EQ(httpProbeRequest(a, "10.88.0.5", 80).find("Host: 10.88.0.5"), std::string::npos);
  EXPECT_EQ(httpStatusCode("HTTP/1.1 204 No Content\r\n"), 204);
  EXPECT_EQ(httpStatusCode("HTTP/1.0 404 Not Found\r\n"), 404);
  EXPECT_EQ(httpStatusCode("SSH-2.0-x\r\n"), std::nullopt);
  EXPECT_TRUE(httpSuccess(200));
  EXPECT_TRUE(httpSuccess(302));
  EXPECT_FALSE(httpSuccess(404));
  EXPECT_FALSE(httpSuccess(199));
}

}  // namespace
}  // namespace peapod::node
