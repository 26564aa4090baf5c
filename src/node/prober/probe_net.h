// Network probes and hooks on the node's event loop: TCP connect, HTTP/1.1 GET (plain or TLS
// without verification, as the kubelet does), and the gRPC health check over cleartext HTTP/2.
// Each completes exactly once, within its timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "node/asio.h"
#include "node/prober/probe_logic.h"

namespace peapod::node {

using ProbeCallback = std::function<void(ProbeOutcome)>;

// Success when a TCP connection to ip:port is established (then closed at once).
void tcpProbe(asio::io_context& io, const std::string& ip, int port, std::chrono::milliseconds timeout,
              ProbeCallback done);

// Sends `request` (see httpProbeRequest) and judges the status line: 200..399 succeed.
void httpProbe(asio::io_context& io, const std::string& ip, int port, bool https, std::string request,
               std::chrono::milliseconds timeout, ProbeCallback done);

// grpc.health.v1.Health/Check with `service`: success when the reply says SERVING.
void grpcProbe(asio::io_context& io, const std::string& ip, int port, const std::string& service,
               std::chrono::milliseconds timeout, ProbeCallback done);

}  // namespace peapod::node
