// RegistryClient: the OCI distribution API over libcurl — manifests and blobs, with anonymous,
// Basic and Bearer-token auth, redirects, retries with back-off and streamed digest checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/auth.h"
#include "image/oci_layout.h"
#include "image/reference.h"

namespace peapod::image {

struct RegistryOptions {
  AuthConfig auth;
  std::string authFile;  // named in "no credentials" errors
  // Registries ("host" or "host:port") spoken to over plain HTTP. Loopback registries
  // (127.0.0.0/8, ::1, localhost) always are, so tests need no TLS.
  std::vector<std::string> insecure;
  int attempts = 4;                                   // per request, on 5xx or connection errors
  std::chrono::milliseconds retryBase{250};           // doubled after each failed attempt
  std::chrono::seconds connectTimeout{15};
  std::chrono::seconds lowSpeedTime{60};              // abort a transfer stalled this long
};

// A manifest or index as the registry served it.
struct FetchedManifest {
  std::string body;
  std::string mediaType;  // Content-Type, or the document's own mediaType
  std::string digest;     // sha256 of body
};

// Errors from the registry carry HTTP-ish codes in Error::code(): ENOENT for 404
// (manifest unknown), EACCES for 401/403.
class RegistryClient {
 public:
  explicit RegistryClient(RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/<repo>/manifests/<tagOrDigest>, accepting OCI and Docker schema2 manifests and
  // indexes. A digest reference is verified against the body.
  Result<FetchedManifest> manifest(const Reference& ref, std::string_view tagOrDigest);

  // GET /v2/<repo>/blobs/<digest> into `dest` (created/truncated), following redirects, checking
  // size and sha256 while streaming; on mismatch `dest` is removed and the error names the
  // digest. `progress` gets the bytes received so far.
  Status blob(const Reference& ref, const Descriptor& d, const std::filesystem::path& dest,
              const std::function<void(int64_t)>& progress = {});

  // "http" or "https" for `registry`.
  std::string scheme(std::string_view registry) const;
  // The host the API lives on ("docker.io" -> "registry-1.docker.io").
  static std::string apiHost(std::string_view registry);

  struct Request;  // registry_client.cc

 private:
  Status perform(const Reference& ref, Request& req);
  Status authorize(const Reference& ref, const std::string& wwwAuthenticate, Request& req);

  RegistryOptions options_;
  std::mutex mu_;
  std::map<std::string, std::string> authHeaders_;  // "<registry>/<repo>" -> Authorization value
};

}  // namespace peapod::image
