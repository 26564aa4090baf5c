// LocalRegistry (docker-registry + skopeo) and MiniHttpServer for the registry tests.
#include "testing/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "testing/background.h"
#include "testing/peapod_daemon.h"

namespace peapod::testing {
namespace fs = std::filesystem;

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

namespace {

bool canConnect(int port) {
  int fd = connectLoopback(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

}  // namespace

LocalRegistry::LocalRegistry(Options options) : options_(std::move(options)) {
  storage_ = dir_ / "storage";
  fs::create_directories(storage_);
  port_ = freeLoopbackPort();
  std::ofstream cfg(dir_ / "config.yml");
  cfg << "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
      << "    rootdirectory: " << storage_.string() << "\n  delete:\n    enabled: true\n"
      << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
  if (options_.basicAuth) {
    // bcrypt, as docker-registry's htpasswd wants (python's crypt has it on Debian 12).
    auto hashed = runCommand({"python3", "-W", "ignore", "-c",
                              "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
                              options_.password});
    if (hashed.exitCode != 0 || hashed.out.size() < 10) {
      error_ = "bcrypt for htpasswd: " + hashed.err;
      return;
    }
    std::ofstream(dir_ / "htpasswd") << options_.user << ":" << hashed.out;
    cfg << "auth:\n  htpasswd:\n    realm: peapod-test\n    path: " << (dir_ / "htpasswd").string() << "\n";
  }
  cfg.close();
  std::string conf = (dir_ / "config.yml").string(), logPath = (dir_ / "registry.log").string();
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls from here
    int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::setsid();
    ::execl("/usr/bin/docker-registry", "docker-registry", "serve", conf.c_str(), nullptr);
    ::_exit(127);
  }
  if (pid < 0) {
    error_ = "fork failed";
    return;
  }
  pid_ = pid;
  bool up = waitUntil(
      [&] {
        int status;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        return canConnect(port_);
      },
      std::chrono::seconds(10));
  if (pid_ < 0 || !up) {
    error_ = "docker-registry did not start: " + readFile(dir_ / "registry.log");
    stop();
  }
}

LocalRegistry::~LocalRegistry() { stop(); }

void LocalRegistry::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

fs::path LocalRegistry::blobFile(const std::string& digest) const {
  std::string hex = digest.substr(7);
  return storage_ / "docker/registry/v2/blobs/sha256" / hex.substr(0, 2) / hex / "data";
}

std::string LocalRegistry::push(const fs::path& layoutDir, const std::string& srcTag, const std::string& dest,
                                bool all) {
  std::vector<std::string> argv = {"skopeo", "copy", "--quiet", "--dest-tls-verify=false"};
  if (all) argv.push_back("--all");
  if (options_.basicAuth) argv.push_back("--dest-creds=" + options_.user + ":" + options_.password);
  argv.push_back("oci:" + layoutDir.string() + (srcTag.empty() ? "" : ":" + srcTag));
  argv.push_back("docker://" + host() + "/" + dest);
  auto r = runCommand(argv);
  return r.exitCode == 0 ? "" : "skopeo: " + r.err + r.out;
}

MiniHttpServer::MiniHttpServer(Handler handler) : handler_(std::move(handler)) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(listenFd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listenFd_, 16);
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

MiniHttpServer::~MiniHttpServer() {
  stop_ = true;
  ::shutdown(listenFd_, SHUT_RDWR);
  thread_.join();
  ::close(listenFd_);
}

std::vector<MiniHttpServer::Request> MiniHttpServer::requests() const {
  std::lock_guard lock(mu_);
  return seen_;
}

void MiniHttpServer::serve() {
  while (!stop_) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, n);
    }
    Request req;
    std::istringstream lines(in.substr(0, in.find("\r\n\r\n")));
    std::string line;
    std::getline(lines, line);
    std::istringstream first(line);
    first >> req.method >> req.target;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.headers[name] = value;
    }
    {
      std::lock_guard lock(mu_);
      seen_.push_back(req);
    }
    Response resp = handler_(req);
    if (!resp.bodyFile.empty()) resp.body = readFile(resp.bodyFile);
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\nConnection: close\r\nContent-Length: " +
                      std::to_string(resp.body.size()) + "\r\n";
    for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
    out += "\r\n";
    if (req.method != "HEAD") out += resp.body;
    for (size_t off = 0; off < out.size();) {
      ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  }
}

MiniHttpServer::Handler layoutRegistryHandler(fs::path layout) {
  return [layout](const MiniHttpServer::Request& req) {
    MiniHttpServer::Response r;
    std::string t = req.target.substr(0, req.target.find('?'));
    if (t == "/v2/" || t == "/v2") return r;
    auto serveBlob = [&](const std::string& digest, bool manifest) {
      fs::path p = layout / "blobs/sha256" / digest.substr(digest.find(':') + 1);
      if (digest.rfind("sha256:", 0) != 0 || !fs::exists(p)) {
        r.status = 404;
        r.body = R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})";
        return r;
      }
      r.bodyFile = p.string();
      if (manifest) {
        auto j = nlohmann::json::parse(readFile(p), nullptr, false);
        r.headers["Content-Type"] = j.is_object() ? j.value("mediaType", "application/json") : "application/json";
      }
      r.headers["Docker-Content-Digest"] = digest;
      return r;
    };
    auto m = t.find("/manifests/");
    if (m != std::string::npos) {
      std::string ref = t.substr(m + 11);
      if (ref.rfind("sha256:", 0) == 0) return serveBlob(ref, true);
      auto index = nlohmann::json::parse(readFile(layout / "index.json"), nullptr, false);
      for (const auto& d : index.value("manifests", nlohmann::json::array())) {
        auto ann = d.value("annotations", nlohmann::json::object());
        if (ann.value("org.opencontainers.image.ref.name", "") == ref) return serveBlob(d.value("digest", ""), true);
      }
      r.status = 404;
      r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
      return r;
    }
    auto b = t.find("/blobs/");
    if (b != std::string::npos) return serveBlob(t.substr(b + 7), false);
    r.status = 404;
    return r;
  };
}

}  // namespace peapod::testing
