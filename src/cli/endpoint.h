// Endpoint: where and how the CLI reaches the API — a unix socket, plain TCP, or HTTPS verified
// against a kubeconfig's CA with its bearer token — and how it is chosen: --server, --kubeconfig,
// KUBECONFIG, PEAPOD_SERVER, the daemon's unix socket, the daemon's kubeconfig, in that order.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace peapod::cli {

struct Endpoint {
  Endpoint() = default;
  Endpoint(std::string s) : server(std::move(s)) {}  // NOLINT: an address alone, as callers had
  Endpoint(const char* s) : server(s) {}              // NOLINT

  std::string server;      // unix:///PATH, tcp://HOST:PORT, http://HOST:PORT or https://HOST[:PORT]
  std::string token;       // bearer token sent as Authorization ("" = none)
  std::string caPem;       // CAs that sign an https server's certificate ("" = the system's)
  bool insecure = false;   // insecure-skip-tls-verify
  std::string ns;          // the kubeconfig context's namespace ("" = none)

  bool tls() const { return server.rfind("https://", 0) == 0; }
};

// The current context of a kubeconfig: its cluster's server and CA (certificate-authority-data
// or the certificate-authority file), its user's token (or tokenFile) and its namespace.
Result<Endpoint> loadKubeconfig(const std::filesystem::path& file);

inline constexpr const char* kDefaultSocket = "unix:///run/peapod/peapod.sock";
inline constexpr const char* kDefaultKubeconfig = "/etc/peapod/kubeconfig";

// What the flags and the environment say; empty strings are "not given".
struct EndpointChoice {
  std::string server;          // --server
  std::string kubeconfig;      // --kubeconfig
  std::string token;           // --token
  std::string caFile;          // --certificate-authority
  bool insecure = false;       // --insecure-skip-tls-verify
  std::string envKubeconfig;   // $KUBECONFIG (colon-separated; the first existing file counts)
  std::string envServer;       // $PEAPOD_SERVER
  std::string defaultSocket = kDefaultSocket;
  std::string defaultKubeconfig = kDefaultKubeconfig;
};

// The endpoint to use. --server wins (https:// takes its CA and token from the flags, else from a
// kubeconfig when one is found); then a kubeconfig named by --kubeconfig or KUBECONFIG; then
// PEAPOD_SERVER; then the daemon's root-only unix socket when it is there to connect to; then the
// daemon's kubeconfig when readable; else the unix socket (whose error names it).
Result<Endpoint> chooseEndpoint(const EndpointChoice& c);

}  // namespace peapod::cli
