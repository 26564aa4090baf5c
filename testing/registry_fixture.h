// Registry test fixtures: a real Debian docker-registry on loopback in a temp dir (optionally
// with htpasswd Basic auth), seeded with skopeo; and MiniHttpServer, a tiny in-process HTTP
// server for token endpoints and hand-made registry behaviour.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testing/fixtures.h"

namespace peapod::testing {

class LocalRegistry {
 public:
  struct Options {
    bool basicAuth = false;  // htpasswd with user/password below
    std::string user = "peapod", password = "s3cret-pw";
  };
  // Starts docker-registry on 127.0.0.1:<free port>; ok() tells whether it came up.
  explicit LocalRegistry(Options options);
  LocalRegistry() : LocalRegistry(Options{}) {}
  ~LocalRegistry();  // kills the registry, removes its storage
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }  // "127.0.0.1:PORT"
  int port() const { return port_; }
  const std::filesystem::path& storage() const { return storage_; }
  // The registry's file for blob `digest` ("sha256:<hex>").
  std::filesystem::path blobFile(const std::string& digest) const;

  // skopeo copy [--all] oci:<layoutDir>[:<srcTag>] docker://<host>/<dest>; "" on success, else
  // skopeo's error output.
  std::string push(const std::filesystem::path& layoutDir, const std::string& srcTag, const std::string& dest,
                   bool all = false);
  // Stops the registry process (its storage stays until destruction).
  void stop();

 private:
  Options options_;
  TempDir dir_{"peapod-registry"};
  std::filesystem::path storage_;
  int port_ = 0;
  int pid_ = -1;
  std::string error_;
};

// A free TCP port on 127.0.0.1 (bound and released).
int freeLoopbackPort();

// A tiny HTTP/1.1 server on 127.0.0.1:<free port>: one request per connection, handled on its
// own thread by `handler`. For token servers and misbehaving registries in tests.
class MiniHttpServer {
 public:
  struct Request {
    std::string method, target;                 // target includes the query
    std::map<std::string, std::string> headers;  // lower-case names
  };
  struct Response {
    int status = 200;
    std::map<std::string, std::string> headers;
    std::string body;
    std::string bodyFile;  // when set, the body is this file's contents
  };
  using Handler = std::function<Response(const Request&)>;

  explicit MiniHttpServer(Handler handler);
  ~MiniHttpServer();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Requests seen so far (copies).
  std::vector<Request> requests() const;

 private:
  void serve();
  Handler handler_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Request> seen_;
};

// A handler serving the registry API (GET /v2/, manifests by tag or digest, blobs) from an OCI
// layout directory: tags are the index.json entries' org.opencontainers.image.ref.name.
MiniHttpServer::Handler layoutRegistryHandler(std::filesystem::path layout);

}  // namespace peapod::testing
