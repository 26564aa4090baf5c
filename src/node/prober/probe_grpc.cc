// grpc.health.v1 probes. Not implemented yet: a minimal h2c client (preface, SETTINGS, HEADERS
// with HPACK literals, one DATA frame with the HealthCheckRequest) is the plan.
#include "node/prober/probe_net.h"

namespace peapod::node {

void grpcProbe(asio::io_context& io, const std::string& ip, int port, const std::string& service,
               std::chrono::milliseconds timeout, ProbeCallback done) {
  (void)ip, (void)port, (void)service, (void)timeout;
  asio::post(io, [done = std::move(done)] {
    done({ProbeResult::kFailure, "grpc probes are not supported yet"});
  });
}

}  // namespace peapod::node
