// The prober's network handlers against real servers on loopback: HTTPS without certificate
// verification (Python's ssl with a throwaway self-signed certificate) and the gRPC health
// protocol (Debian's python3-grpcio with a generic handler, so no generated stubs are needed).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "node/prober/probe_net.h"
#include "testing/fixtures.h"

namespace peapod::node {
namespace {

using namespace std::chrono_literals;

// A Python server started from `script`, which prints its port on the first line of stdout.
class PythonServer {
 public:
  PythonServer(const std::filesystem::path& script, std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      std::vector<char*> argv{const_cast<char*>("python3"), const_cast<char*>(script.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/usr/bin/python3", argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[64] = {};
    if (std::fgets(line, sizeof line, out)) port_ = std::atoi(line);
    std::fclose(out);
  }
  ~PythonServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

ProbeOutcome run(const std::function<void(asio::io_context&, ProbeCallback)>& probe) {
  asio::io_context io;
  ProbeOutcome outcome;
  bool called = false;
  probe(io, [&](ProbeOutcome o) {
    outcome = std::move(o);
    called = true;
  });
  io.run_for(10s);
  EXPECT_TRUE(called);
  return outcome;
}

constexpr const char* kHttpsServer = R"(
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 500)
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
)";

constexpr const char* kGrpcServer = R"(
import grpc, sys
from concurrent import futures
# HealthCheckResponse{status}: SERVING for "" and "ok", NOT_SERVING for "down", unknown otherwise.
def check(request, context):
    service = request[2:].decode() if request else ""
    if service in ("", "ok"): return b"\x08\x01"
    if service == "down": return b"\x08\x02"
    context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
handler = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
    "Check": grpc.unary_unary_rpc_method_handler(check)})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
server.wait_for_termination()
)";

std::filesystem::path writeScript(const testing::TempDir& dir, const char* name, const char* text) {
  auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ProbeNet, HttpsProbeSkipsCertificateVerification) {
  testing::TempDir dir("peapod-probe");
  std::string cert = dir / "cert.pem", key = dir / "key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=pod -days 1 -keyout " + key + " -out " +
                    cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  PythonServer server(writeScript(dir, "https.py", kHttpsServer), {cert, key});
  ASSERT_GT(server.port(), 0);
  auto request = [&](const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  };
  auto ok = run([&](asio::io_context& io, ProbeCallback cb) {
    httpProbe(io, "127.0.0.1", server.port(), true, request("/healthz"), 5s, std::move(cb));
  });
  EXPECT_EQ(ok.result, ProbeResult::kSuccess) << ok.message;
  auto bad = run([&](asio::io_context& io, ProbeCallback cb) {
    httpProbe(io, "127.0.0.1", server.port(), true, request("/other"), 5s, std::move(cb));
  });
  EXPECT_EQ(bad.result, ProbeResult::kFailure);
  EXPECT_EQ(bad.message, "HTTP probe failed with statuscode: 500");
  // Plain HTTP to a TLS port fails rather than hanging.
  auto plain = run([&](asio::io_context& io, ProbeCallback cb) {
    httpProbe(io, "127.0.0.1", server.port(), false, request("/healthz"), 2s, std::move(cb));
  });
  EXPECT_EQ(plain.result, ProbeResult::kFailure);
}

TEST(ProbeNet, GrpcHealthProbeReadsTheServingStatus) {
  if (std::system("/usr/bin/python3 -c 'import grpc' 2>/dev/null") != 0) GTEST_SKIP() << "needs python3-grpcio";
  testing::TempDir dir("peapod-probe");
  PythonServer server(writeScript(dir, "health_server.py", kGrpcServer), {});
  ASSERT_GT(server.port(), 0);
  auto probe = [&](const std::string& service) {
    return run([&](asio::io_context& io, ProbeCallback cb) {
      grpcProbe(io, "127.0.0.1", server.port(), service, 5s, std::move(cb));
    });
  };
  EXPECT_EQ(probe("").result, ProbeResult::kSuccess) << probe("").message;
  EXPECT_EQ(probe("ok").result, ProbeResult::kSuccess);
  auto down = probe("down");
  EXPECT_EQ(down.result, ProbeResult::kFailure);
  EXPECT_EQ(down.message, "service unhealthy (responded with \"NOT_SERVING\")");
  EXPECT_EQ(probe("nope").result, ProbeResult::kFailure);
  // Nothing listening: a dial error, not a hang.
  auto closed = run([&](asio::io_context& io, ProbeCallback cb) { grpcProbe(io, "127.0.0.1", 1, "", 2s, std::move(cb)); });
  EXPECT_EQ(closed.result, ProbeResult::kFailure);
  EXPECT_NE(closed.message.find("dial tcp 127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace peapod::node
