// The daemon's TLS identity and credentials: a CA, a serving certificate for loopback and the
// hostname, and a bearer token, generated once (OpenSSL) and kept in a directory; and the
// kubeconfig that lets kubectl use them as is.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"

namespace peapod::server {

struct Pki {
  std::string caPem, certPem, keyPem, token;
};

// Loads dir/{ca.crt,server.crt,server.key,token}, generating whatever is missing (mode 0600 for
// secrets). The serving certificate names 127.0.0.1, ::1, localhost and `hosts`.
Result<Pki> ensurePki(const std::filesystem::path& dir, const std::vector<std::string>& hosts);

// A TLS server context (TLS 1.2+) with the serving certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> serverTlsContext(const Pki& pki);

// The kubeconfig text for `server` ("https://127.0.0.1:6443") with the CA and token embedded.
std::string kubeconfigText(const Pki& pki, const std::string& server);
// Writes it with mode 0600 (atomically, replacing an old one).
Status writeKubeconfig(const std::filesystem::path& path, const std::string& text);

}  // namespace peapod::server
