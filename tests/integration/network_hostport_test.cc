// The hostPort proxies against local echo servers: TCP and UDP, all on 127.0.0.1. No root needed
// (ports above 1024), kept with the root tests because they bind host ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "network/host_ports.h"
#include "sys/unique_fd.h"

namespace peapod::network {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A socket bound to 127.0.0.1 on a free port; `port` gets the port.
sys::UniqueFd bound(int type, int& port) {
  sys::UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  timeval tv{3, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// A port nobody listens on right now (bound, read, closed).
int freePort(int type) {
  int port = 0;
  bound(type, port);
  return port;
}

class HostPortProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    loop_.join();
  }
  // Runs f on the loop thread and waits: HostPorts is single-threaded like the daemon.
  template <class F>
  auto onLoop(F f) {
    std::promise<decltype(f())> done;
    boost::asio::post(io_, [&] { done.set_value(f()); });
    return done.get_future().get();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread loop_;
  HostPorts table_{io_};
};

TEST_F(HostPortProxy, TcpBothWaysAndRefusedAfterRelease) {
  int backendPort = 0;
  sys::UniqueFd backend = bound(SOCK_STREAM, backendPort);
  ASSERT_EQ(::listen(backend.get(), 4), 0);
  int hostPort = freePort(SOCK_STREAM);
  auto lease = onLoop([&] { return table_.claim("default/echo", {{"TCP", "127.0.0.1", hostPort, backendPort}}, "127.0.0.1"); });
  ASSERT_TRUE(lease.ok()) << lease.error().message();

  sys::UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(hostPort);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  sys::UniqueFd conn(::accept4(backend.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(conn);
  ASSERT_EQ(::write(client.get(), "ping", 4), 4);
  char buf[16] = {};
  ASSERT_EQ(::read(conn.get(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  ASSERT_EQ(::write(conn.get(), "pong", 4), 4);
  timeval tv{3, 0};
  ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ASSERT_EQ(::read(client.get(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
  // A half-close travels through: the backend sees EOF.
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(::read(conn.get(), buf, sizeof buf), 0);

  onLoop([&] {
    lease->reset();
    return 0;
  });
  sys::UniqueFd again(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_NE(::connect(again.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
}

TEST_F(HostPortProxy, UdpRepliesReachTheSender) {
  int backendPort = 0;
  sys::UniqueFd backend = bound(SOCK_DGRAM, backendPort);
  int hostPort = freePort(SOCK_DGRAM);
  auto lease = onLoop([&] { return table_.claim("default/dns", {{"UDP", "", hostPort, backendPort}}, "127.0.0.1"); });
  ASSERT_TRUE(lease.ok()) << lease.error().message();

  int clientPort = 0;
  sys::UniqueFd client = bound(SOCK_DGRAM, clientPort);
  sockaddr_in to = loopback(hostPort);
  ASSERT_EQ(::sendto(client.get(), "query", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 5);
  char buf[16] = {};
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ASSERT_EQ(::recvfrom(backend.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len), 5);
  EXPECT_EQ(std::string(buf, 5), "query");
  ASSERT_EQ(::sendto(backend.get(), "answer", 6, 0, reinterpret_cast<sockaddr*>(&from), len), 6);
  sockaddr_in replyFrom{};
  len = sizeof replyFrom;
  ASSERT_EQ(::recvfrom(client.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&replyFrom), &len), 6);
  EXPECT_EQ(std::string(buf, 6), "answer");
  EXPECT_EQ(ntohs(replyFrom.sin_port), hostPort);  // from the host port the client talked to
  onLoop([&] {
    lease->reset();
    return 0;
  });
}

TEST_F(HostPortProxy, PortHeldByAHostProcessIsABindError) {
  int port = 0;
  sys::UniqueFd holder = bound(SOCK_STREAM, port);
  ASSERT_EQ(::listen(holder.get(), 1), 0);
  auto lease = onLoop([&] { return table_.claim("default/late", {{"TCP", "127.0.0.1", port, 80}}, "127.0.0.1"); });
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().code(), EADDRINUSE);
  EXPECT_EQ(table_.claimedCount(), 0u);
}

}  // namespace
}  // namespace peapod::network
