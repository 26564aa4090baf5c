// End to end (images are local, so every container says IfNotPresent): pod namespaces (hostNetwork/PID/IPC, shareProcessNamespace), hostname and FQDN,
// the managed /etc/hosts and resolv.conf, pod-to-pod and host-to-pod traffic, hostPort and
// bandwidth shaping — each observed from inside a container or from the host. All traffic stays
// on loopback or inside the test daemon's own bridge.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sys/netlink.h"
#include "sys/unique_fd.h"
#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr char kHostResolv[] = "nameserver 192.0.2.53\nsearch corp.example\noptions rotate\n";
// The same as the pod sees it: containerd's order (search, nameservers, options).
constexpr char kHostResolvInPod[] = "search corp.example\nnameserver 192.0.2.53\noptions rotate\n";

class PodnetE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    resolv_ = new fs::path("/tmp/podnet-e2e-resolv-" + randomSuffix(6) + ".conf");
    std::ofstream(*resolv_) << kHostResolv;
    daemon_ = new PeapodDaemon({"--restart-backoff-base", "200ms", "--cluster-dns", "10.96.0.10", "--cluster-domain",
                                "cluster.local", "--resolv-conf", resolv_->string()});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
    if (resolv_) fs::remove(*resolv_);
    delete resolv_;
    resolv_ = nullptr;
  }
  void SetUp() override { PEAPOD_REQUIRE_ROOT(); }
  PeapodDaemon& d() { return *daemon_; }

  static bool running(const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }
  // Applies, waits for Running and for `marker` in the container's log; returns the log.
  std::string runAndLog(const std::string& yaml, const std::string& pod, const std::string& container,
                        const std::string& marker = "END\n") {
    auto r = d().apply(yaml);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(d().waitPod(pod, running)) << d().pod(pod).dump(2);
    std::string log;
    EXPECT_TRUE(waitUntil([&] { return (log = d().logs(pod, container)).find(marker) != std::string::npos; },
                          seconds(15)))
        << log;
    return log;
  }
  void remove(const std::string& pod) {
    d().peapod({"delete", "pod", pod, "--grace-period=0", "--force"});
    EXPECT_TRUE(d().waitGone(pod));
  }
  std::string podIP(const std::string& pod) { return d().pod(pod)["status"].value("podIP", ""); }

 private:
  static inline PeapodDaemon* daemon_ = nullptr;
  static inline fs::path* resolv_ = nullptr;
};

std::string nsOf(const char* kind) { return fs::read_symlink(std::string("/proc/self/ns/") + kind).string(); }

std::string hostName() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

// One HTTP/1.0 GET over TCP with a deadline; the whole response, or "" when nothing answered.
std::string httpGet(const std::string& ip, int port) {
  sys::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  timeval tv{3, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "";
  std::string req = "GET / HTTP/1.0\r\nHost: " + ip + "\r\n\r\n";
  if (::write(fd.get(), req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string httpServerYaml(const std::string& name, const std::string& body, const std::string& extraPort = "") {
  return R"(
apiVersion: v1
kind: Pod
metadata: {name: )" + name + R"(}
spec:
  containers:
  - name: web
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'mkdir -p /www && echo )" + body + R"( > /www/index.html && echo END && exec httpd -f -p 8080 -h /www']
    ports: [{containerPort: 8080)" + extraPort + R"(}]
)";
}

TEST_F(PodnetE2E, HostsResolvAndHostnameWithSubdomain) {
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: busybox2}
spec:
  hostname: busybox-2
  subdomain: default-subdomain
  hostAliases:
  - {ip: "127.0.0.1", hostnames: [foo.local, bar.local]}
  - {ip: "10.1.2.3", hostnames: [foo.remote, bar.remote]}
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; hostname; cat /etc/hostname; echo END; sleep 3600']
)",
                              "busybox2", "c");
  std::string ip = podIP("busybox2");
  ASSERT_NE(ip, "");
  EXPECT_EQ(log,
            "# Kubernetes-managed hosts file.\n"
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\n"
            "fe00::0\tip6-mcastprefix\n"
            "fe00::1\tip6-allnodes\n"
            "fe00::2\tip6-allrouters\n" +
                ip + "\tbusybox-2.default-subdomain.default.svc.cluster.local\tbusybox-2\n"
                     "\n"
                     "# Entries added by HostAliases.\n"
                     "127.0.0.1\tfoo.local\tbar.local\n"
                     "10.1.2.3\tfoo.remote\tbar.remote\n"
                     "---\n"
                     "search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
                     "nameserver 10.96.0.10\n"
                     "options ndots:5\n"
                     "---\n"
                     "busybox-2\n"
                     "busybox-2\n"
                     "END\n");
  remove("busybox2");
}

TEST_F(PodnetE2E, SetHostnameAsFQDN) {
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: fqdn}
spec:
  hostname: h
  subdomain: sub
  setHostnameAsFQDN: true
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'hostname; cat /etc/hostname; echo $HOSTNAME; echo END; sleep 3600']}
)",
                              "fqdn", "c");
  // HOSTNAME is the sandbox's hostname, as containerd sets it: the FQDN here.
  EXPECT_EQ(log, "h.sub.default.svc.cluster.local\nh.sub.default.svc.cluster.local\nh.sub.default.svc.cluster.local\nEND\n");
  remove("fqdn");
}

TEST_F(PodnetE2E, FQDNOver64CharsKeepsThePodFromStarting) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: fqdn-long}
spec:
  hostname: a-hostname-that-is-long-enough-to-overflow-the-limit
  subdomain: sub
  setHostnameAsFQDN: true
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(d().waitPod("fqdn-long", [](const nlohmann::json& p) {
    return p["status"].value("message", "").find("is too long (64 characters is the max") != std::string::npos;
  })) << d().pod("fqdn-long").dump(2);
  EXPECT_NE(d().pod("fqdn-long")["status"].value("phase", ""), "Running");
  remove("fqdn-long");
}

TEST_F(PodnetE2E, DnsPolicyNoneAndDefault) {
  std::string none = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: dns-example}
spec:
  dnsPolicy: "None"
  dnsConfig:
    nameservers: [1.2.3.4]
    searches: [ns1.svc.cluster.local, my.dns.search.suffix]
    options:
    - {name: ndots, value: "2"}
    - {name: edns0}
  containers:
  - {name: test, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'cat /etc/resolv.conf; echo END; sleep 3600']}
)",
                               "dns-example", "test");
  EXPECT_EQ(none,
            "search ns1.svc.cluster.local my.dns.search.suffix\n"
            "nameserver 1.2.3.4\n"
            "options ndots:2 edns0\n"
            "END\n");
  std::string host = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: dns-default}
spec:
  dnsPolicy: Default
  dnsConfig:
    nameservers: [192.0.2.54]
  containers:
  - {name: test, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'cat /etc/resolv.conf; echo END; sleep 3600']}
)",
                               "dns-default", "test");
  EXPECT_EQ(host,
            "search corp.example\n"
            "nameserver 192.0.2.53\n"
            "nameserver 192.0.2.54\n"
            "options rotate\n"
            "END\n");
  remove("dns-example");
  remove("dns-default");
}

TEST_F(PodnetE2E, HostNetworkUsesTheNodeNamespacesAndFiles) {
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname; head -1 /etc/hosts; cat /etc/resolv.conf; echo END; sleep 3600']
)",
                              "hostnet", "c");
  EXPECT_EQ(log, nsOf("net") + "\n" + nsOf("uts") + "\n" + hostName() +
                     "\n# Kubernetes-managed hosts file (host network).\n" + kHostResolvInPod + "END\n");
  auto pod = d().pod("hostnet");
  EXPECT_EQ(pod["status"].value("podIP", ""), pod["status"].value("hostIP", "-"));
  // ClusterFirstWithHostNet keeps the cluster's DNS on the host network.
  std::string cluster = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: hostnet-dns}
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'cat /etc/resolv.conf; echo END; sleep 3600']}
)",
                                  "hostnet-dns", "c");
  EXPECT_EQ(cluster,
            "search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
            "nameserver 10.96.0.10\n"
            "options ndots:5\n"
            "END\n");
  remove("hostnet");
  remove("hostnet-dns");
}

TEST_F(PodnetE2E, HostPIDAndHostIPC) {
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: hostpid}
spec:
  hostPID: true
  hostIPC: true
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/net; echo END; sleep 3600']}
)",
                              "hostpid", "c");
  std::string want = nsOf("pid") + "\n" + nsOf("ipc") + "\n";
  ASSERT_EQ(log.substr(0, want.size()), want) << log;
  EXPECT_EQ(log.find(nsOf("net")), std::string::npos) << "the pod keeps its own network: " << log;
  remove("hostpid");
}

TEST_F(PodnetE2E, ShareProcessNamespace) {
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: shared-pid}
spec:
  shareProcessNamespace: true
  containers:
  - {name: a, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'exec sleep 1234567']}
  - name: b
    image: busybox
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - |
      until ps | grep -q '[s]leep 1234567'; do sleep 0.1; done
      echo sees-a
      tr '\0' ' ' < /proc/1/cmdline | cut -d' ' -f1; echo
      sh -c 'sleep 1 & echo $! > /tmp/orphan'
      o=$(cat /tmp/orphan)
      echo orphan-ppid=$(cut -d' ' -f4 /proc/$o/stat)
      while [ -e /proc/$o ]; do sleep 0.1; done
      echo orphan-reaped
      echo END
      sleep 3600
)",
                              "shared-pid", "b");
  EXPECT_NE(log.find("sees-a\n"), std::string::npos) << log;
  EXPECT_NE(log.find("peapod-shim"), std::string::npos) << "PID 1 is the shim: " << log;
  EXPECT_NE(log.find("orphan-ppid=1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("orphan-reaped\n"), std::string::npos) << log;
  remove("shared-pid");
}

TEST_F(PodnetE2E, PodToPodAndHostToPod) {
  runAndLog(httpServerYaml("server", "hello-from-server"), "server", "web");
  std::string ip = podIP("server");
  ASSERT_NE(ip, "");
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'until wget -qO- http://)" + ip + R"(:8080/; do sleep 0.2; done; sleep 3600']}
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(waitUntil([&] { return d().logs("client", "c").find("hello-from-server") != std::string::npos; },
                        seconds(20)))
      << d().logs("client", "c");
  std::string resp;
  EXPECT_TRUE(waitUntil([&] { return (resp = httpGet(ip, 8080)).find("hello-from-server") != std::string::npos; },
                        seconds(10)))
      << resp;
  remove("client");
  remove("server");
}

TEST_F(PodnetE2E, HostPortOnLoopbackAndConflicts) {
  int port = 20000 + std::stoi(randomSuffix(4), nullptr, 16) % 20000;
  std::string hp = ", hostPort: " + std::to_string(port);
  runAndLog(httpServerYaml("hp-a", "hello-from-hostport", hp), "hp-a", "web");
  std::string resp;
  EXPECT_TRUE(waitUntil([&] { return (resp = httpGet("127.0.0.1", port)).find("hello-from-hostport") != std::string::npos; },
                        seconds(10)))
      << resp;
  // The same port again: refused with the kubelet's reason; the first pod keeps serving.
  ASSERT_EQ(d().apply(httpServerYaml("hp-b", "second", hp)).exitCode, 0);
  EXPECT_TRUE(d().waitPod("hp-b", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Failed"; }))
      << d().pod("hp-b").dump(2);
  auto b = d().pod("hp-b");
  EXPECT_EQ(b["status"].value("reason", ""), "NodePorts");
  EXPECT_NE(b["status"].value("message", "").find("is taken by pod default/hp-a"), std::string::npos)
      << b["status"].dump();
  EXPECT_TRUE(running(d().pod("hp-a")));
  EXPECT_NE(httpGet("127.0.0.1", port).find("hello-from-hostport"), std::string::npos);
  remove("hp-b");
  remove("hp-a");
  // The proxy went with the pod.
  EXPECT_EQ(httpGet("127.0.0.1", port), "");
}

// A process whose network namespace is `ns` (as readlink shows it: "net:[4026532...]"); -1: none.
int pidInNetns(const std::string& ns) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    if (fs::read_symlink(e.path() / "ns" / "net", ec).string() == ns && !ec) return std::stoi(name);
  }
  return -1;
}

// A UDP socket bound to 0.0.0.0:port inside pid's network namespace. setns happens on a helper
// thread: a socket keeps the namespace it was made in, and this thread keeps the host's.
sys::UniqueFd udpSocketIn(int pid, int port) {
  sys::UniqueFd out;
  std::thread([&] {
    sys::UniqueFd ns(::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns || ::setns(ns.get(), CLONE_NEWNET) != 0) return;
    sys::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) out = std::move(fd);
  }).join();
  return out;
}

// One datagram, or "" when none came within `ms`; `from` gets the sender.
std::string recvWithin(int fd, int ms, sockaddr_in* from = nullptr) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) != 1) return "";
  char buf[512];
  socklen_t len = sizeof(sockaddr_in);
  ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(from), from ? &len : nullptr);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_F(PodnetE2E, UdpHostPortOnLoopback) {
  int port = 20000 + std::stoi(randomSuffix(4), nullptr, 16) % 20000;
  std::string log = runAndLog(R"(
apiVersion: v1
kind: Pod
metadata: {name: hp-udp}
spec:
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'readlink /proc/self/ns/net; echo END; exec sleep 3600']
    ports: [{containerPort: 5353, protocol: UDP, hostPort: )" + std::to_string(port) + R"(}]
)",
                              "hp-udp", "c");
  // busybox has no UDP listener, so the test listens on the container's port in its namespace.
  int pid = pidInNetns(log.substr(0, log.find('\n')));
  ASSERT_GT(pid, 0) << log;
  sys::UniqueFd server = udpSocketIn(pid, 5353);
  ASSERT_TRUE(server) << "bind 5353 in the pod's network namespace";
  sys::UniqueFd client(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in lo{};
  lo.sin_family = AF_INET;
  lo.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&lo), sizeof lo), 0);
  // 127.0.0.1:port -> proxy -> podIP:5353, and the answer back through the same proxy flow.
  std::string got, reply;
  sockaddr_in from{};
  EXPECT_TRUE(waitUntil(
      [&] {
        (void)::send(client.get(), "ping-udp", 8, 0);
        got = recvWithin(server.get(), 500, &from);
        return got == "ping-udp";
      },
      seconds(10)))
      << got;
  char fromIP[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &from.sin_addr, fromIP, sizeof fromIP);
  EXPECT_NE(std::string(fromIP), "127.0.0.1");  // it came through the proxy, from the bridge side
  ASSERT_EQ(::sendto(server.get(), "pong-udp", 8, 0, reinterpret_cast<sockaddr*>(&from), sizeof from), 8);
  reply = recvWithin(client.get(), 3000);
  EXPECT_EQ(reply, "pong-udp");
  remove("hp-udp");
  // The proxy went with the pod: nothing answers or forwards any more.
  (void)::send(client.get(), "late", 4, 0);
  EXPECT_EQ(recvWithin(server.get(), 300), "");
}

TEST_F(PodnetE2E, BandwidthAnnotationsShapeBothDirections) {
  runAndLog(R"(
apiVersion: v1
kind: Pod
metadata:
  name: qos
  annotations:
    kubernetes.io/ingress-bandwidth: 3M
    kubernetes.io/egress-bandwidth: 4M
spec:
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'echo END; sleep 3600']}
)",
            "qos", "c");
  std::string uid = d().pod("qos")["metadata"].value("uid", "");
  std::string veth = readFile(d().root() / "run" / "pods" / uid / "host-veth");
  ASSERT_FALSE(veth.empty());
  std::string ifb = "pb" + veth.substr(2);
  auto nl = sys::NetlinkSocket::open();
  ASSERT_TRUE(nl.ok());
  auto vethIndex = nl->linkByName(veth);
  auto ifbIndex = nl->linkByName(ifb);
  ASSERT_TRUE(vethIndex.ok() && ifbIndex.ok()) << veth << " " << ifb;
  auto qdiscs = nl->listQdiscs();
  ASSERT_TRUE(qdiscs.ok());
  bool ingressTbf = false, ingressHook = false, egressTbf = false;
  for (const auto& q : *qdiscs) {
    if (q.ifindex == *vethIndex && q.kind == "tbf") ingressTbf = q.rateBytes == 3'000'000 / 8;
    if (q.ifindex == *vethIndex && q.kind == "ingress") ingressHook = true;
    if (q.ifindex == *ifbIndex && q.kind == "tbf") egressTbf = q.rateBytes == 4'000'000 / 8;
  }
  EXPECT_TRUE(ingressTbf);
  EXPECT_TRUE(ingressHook);
  EXPECT_TRUE(egressTbf);
  auto filters = nl->listFilters(*vethIndex, 0xffff0000);
  ASSERT_TRUE(filters.ok());
  ASSERT_FALSE(filters->empty());
  EXPECT_EQ((*filters)[0].kind, "u32");
  remove("qos");
  EXPECT_TRUE(waitUntil([&] { return !nl->linkByName(ifb).ok(); }, seconds(5))) << ifb << " left behind";
}

TEST_F(PodnetE2E, AddressesSurviveADaemonRestart) {
  // A daemon of its own, so the first pod holds the first address: a restarted IPAM that forgot
  // it would hand that same address out again.
  PeapodDaemon own;
  auto running = [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; };
  ASSERT_EQ(own.apply(httpServerYaml("before", "before-restart")).exitCode, 0);
  ASSERT_TRUE(own.waitPod("before", running));
  std::string first = own.pod("before")["status"].value("podIP", "");
  EXPECT_EQ(first.substr(first.rfind('.')), ".2");
  own.restart();
  ASSERT_EQ(own.apply(httpServerYaml("after", "after-restart")).exitCode, 0);
  ASSERT_TRUE(own.waitPod("after", running));
  EXPECT_NE(own.pod("after")["status"].value("podIP", ""), first);
  EXPECT_EQ(own.pod("before")["status"].value("podIP", ""), first);
  EXPECT_TRUE(running(own.pod("before")));
  std::string resp;
  EXPECT_TRUE(waitUntil([&] { return (resp = httpGet(first, 8080)).find("before-restart") != std::string::npos; },
                        seconds(10)))
      << resp;
}

}  // namespace
}  // namespace peapod::testing
