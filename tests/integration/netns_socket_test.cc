// Port-forward's dialer: a socket made for another process's network namespace reaches that
// namespace's loopback, not the host's.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "node/netns_socket.h"
#include "testing/fixtures.h"

namespace peapod::node {
namespace {

// A child in a fresh network namespace, listening on 127.0.0.1:port there; answers "pong:" + what
// it reads on one connection. Killed and reaped on destruction.
class NetnsServer {
 public:
  explicit NetnsServer(uint16_t port) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::unshare(CLONE_NEWNET) != 0) _exit(1);
      int s = ::socket(AF_INET, SOCK_DGRAM, 0);
      ifreq ifr{};
      std::strcpy(ifr.ifr_name, "lo");
      ifr.ifr_flags = IFF_UP;
      if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) _exit(2);
      int l = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 1) != 0) _exit(3);
      (void)!::write(ready[1], "r", 1);
      int c = ::accept(l, nullptr, nullptr);
      char buf[64];
      ssize_t n = ::read(c, buf, sizeof buf);
      std::string reply = "pong:" + std::string(buf, n > 0 ? n : 0);
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
      _exit(0);
    }
    ::close(ready[1]);
    char c;
    ok_ = ::read(ready[0], &c, 1) == 1;  // an event, not a sleep: the child is listening
    ::close(ready[0]);
  }
  ~NetnsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return ok_; }
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  bool ok_ = false;
};

bool connectLoopback(int fd, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

TEST(NetnsSocket, ReachesTheNamespacesLoopback) {
  PEAPOD_REQUIRE_ROOT();
  const uint16_t port = 18080;
  NetnsServer server(port);
  ASSERT_TRUE(server.ok());
  auto fd = tcpSocketInNetnsOf(server.pid());
  ASSERT_TRUE(fd.ok()) << fd.error().message();
  ASSERT_TRUE(connectLoopback(fd->get(), port)) << std::strerror(errno);
  ASSERT_EQ(::write(fd->get(), "ping", 4), 4);
  char buf[64];
  ssize_t n = ::read(fd->get(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "pong:ping");
}

TEST(NetnsSocket, TheCallersNamespaceIsUnchanged) {
  PEAPOD_REQUIRE_ROOT();
  char before[64] = {}, after[64] = {};
  ASSERT_GT(::readlink("/proc/thread-self/ns/net", before, sizeof before - 1), 0);
  NetnsServer server(18081);
  ASSERT_TRUE(server.ok());
  auto fd = tcpSocketInNetnsOf(server.pid());
  ASSERT_TRUE(fd.ok());
  ASSERT_GT(::readlink("/proc/thread-self/ns/net", after, sizeof after - 1), 0);
  EXPECT_STREQ(before, after);
  // A socket of our own namespace finds nothing on that port (the listener is in the other one).
  int own = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_FALSE(connectLoopback(own, 18081));
  ::close(own);
}

TEST(NetnsSocket, MissingProcessIsAnError) {
  PEAPOD_REQUIRE_ROOT();
  EXPECT_FALSE(tcpSocketInNetnsOf(0x7ffffff0).ok());
}

}  // namespace
}  // namespace peapod::node
