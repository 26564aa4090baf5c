// RegistryClient over libcurl: one easy handle per request (thread-safe), auth challenges answered
// once per repository and cached, 5xx and connection failures retried with doubling back-off.
#include "image/registry_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "image/digest.h"
#include "sys/unique_fd.h"

namespace peapod::image {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxManifest = 4u << 20;
constexpr size_t kMaxErrorBody = 4096;
constexpr const char* kAcceptManifests =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string hostOf(std::string_view registry) {
  if (registry.starts_with("[")) return std::string(registry.substr(0, registry.find(']') + 1));
  return std::string(registry.substr(0, registry.rfind(':')));
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

// The registry's error document ({"errors":[{"code","message"}]}) as one line, else the body.
std::string registryMessage(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    std::string code = e.value("code", ""), msg = e.value("message", "");
    for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::replace(code.begin(), code.end(), '_', ' ');
    return code.empty() ? msg : msg.empty() ? code : code + ": " + msg;
  }
  return trim(body.substr(0, 200));
}

bool retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct RegistryClient::Request {
  std::string url;
  std::vector<std::string> headers;
  std::function<void()> reset;                        // before each attempt
  std::function<bool(const char*, size_t)> onData;    // body of a 2xx; false aborts
  std::string sinkError;                              // why onData aborted
  // Filled by each attempt.
  long status = 0;
  std::string contentType, wwwAuthenticate, errorBody;
};

namespace {

size_t onHeader(char* p, size_t size, size_t n, void* user) {
  auto* r = static_cast<RegistryClient::Request*>(user);
  std::string line(p, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the last one's headers
    r->contentType.clear();
    r->wwwAuthenticate.clear();
  }
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "content-type") r->contentType = trim(line.substr(colon + 1));
    if (name == "www-authenticate") r->wwwAuthenticate = trim(line.substr(colon + 1));
  }
  return size * n;
}

struct WriteCtx {
  RegistryClient::Request* req;
  CURL* curl;
};

size_t onBody(char* p, size_t size, size_t n, void* user) {
  auto* w = static_cast<WriteCtx*>(user);
  long code = 0;
  curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {  // an error document, never content
    auto& b = w->req->errorBody;
    b.append(p, std::min(size * n, kMaxErrorBody - std::min(b.size(), kMaxErrorBody)));
    return size * n;
  }
  if (w->req->onData && !w->req->onData(p, size * n)) return 0;  // CURLE_WRITE_ERROR
  return size * n;
}

}  // namespace

RegistryClient::RegistryClient(RegistryOptions options) : options_(std::move(options)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::apiHost(std::string_view registry) {
  return registry == "docker.io" ? "registry-1.docker.io" : std::string(registry);
}

std::string RegistryClient::scheme(std::string_view registry) const {
  std::string host = hostOf(registry);
  if (host == "localhost" || host.starts_with("127.") || host == "[::1]") return "http";
  for (const auto& r : options_.insecure)
    if (r == registry || r == host) return "http";
  return "https";
}

Status RegistryClient::perform(const Reference& ref, Request& req) {
  std::string key = ref.registry + "/" + ref.repository;
  bool answeredChallenge = false;
  std::string lastError;
  for (int attempt = 0; attempt < options_.attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(options_.retryBase * (1 << std::min(attempt - 1, 6)));
    if (req.reset) req.reset();
    req.status = 0;
    req.errorBody.clear();
    req.sinkError.clear();
    std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
    if (!curl) return Error("curl_easy_init failed");
    curl_slist* raw = nullptr;
    for (const auto& h : req.headers) raw = curl_slist_append(raw, h.c_str());
    {
      std::lock_guard lock(mu_);
      // A custom Authorization header goes to the original host only: curl drops it when a
      // redirect leads elsewhere (blob storage), which is what the distribution spec wants.
      if (auto it = authHeaders_.find(key); it != authHeaders_.end())
        raw = curl_slist_append(raw, ("Authorization: " + it->second).c_str());
    }
    std::unique_ptr<curl_slist, CurlFree> headers(raw);
    WriteCtx wctx{&req, curl.get()};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "peapod/0.1");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connectTimeout.count()));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.lowSpeedTime.count()));
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &req);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &wctx);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &req.status);
    if (rc == CURLE_WRITE_ERROR && !req.sinkError.empty()) return Error(req.sinkError);
    if (rc != CURLE_OK) {
      lastError = std::string(curl_easy_strerror(rc));
      if (retryable(rc)) {
        log::debug("registry: GET " + req.url + ": " + lastError + " (attempt " + std::to_string(attempt + 1) + ")");
        continue;
      }
      return Error("GET " + req.url + ": " + lastError);
    }
    if (req.status == 401 && !answeredChallenge) {
      answeredChallenge = true;
      PEAPOD_TRY(authorize(ref, req.wwwAuthenticate, req));
      --attempt;  // answering the challenge is not a failed attempt
      continue;
    }
    if (req.status >= 200 && req.status < 300) return {};
    std::string what = "GET " + req.url + ": " + std::to_string(req.status) + " " + registryMessage(req.errorBody);
    if (req.status == 401 || req.status == 403) return Error(what, EACCES);
    if (req.status == 404) return Error(what, ENOENT);
    if (req.status >= 500 || req.status == 429) {
      lastError = what;
      continue;
    }
    return Error(what);
  }
  return Error(lastError + " (gave up after " + std::to_string(options_.attempts) + " attempts)");
}

Status RegistryClient::authorize(const Reference& ref, const std::string& header, Request& req) {
  std::string key = ref.registry + "/" + ref.repository;
  auto creds = options_.auth.find(ref.registry);
  std::string where = options_.authFile.empty() ? "the registry config" : options_.authFile;
  auto challenges = parseWwwAuthenticate(header);
  for (const auto& ch : challenges) {
    if (ch.scheme == "basic") {
      if (!creds)
        return Error(ref.registry + ": unauthorized: authentication required and no credentials for \"" +
                         ref.registry + "\" in " + where, EACCES);
      std::lock_guard lock(mu_);
      authHeaders_[key] = "Basic " + base64Encode(creds->username + ":" + creds->password);
      return {};
    }
    if (ch.scheme == "bearer") {
      auto realm = ch.params.find("realm");
      if (realm == ch.params.end() || !(realm->second.starts_with("http://") || realm->second.starts_with("https://")))
        return Error(ref.registry + ": Bearer challenge without a usable realm: " + header, EACCES);
      std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
      std::vector<std::string> q;
      if (auto s = ch.params.find("service"); s != ch.params.end()) q.push_back("service=" + escape(s->second));
      auto scope = ch.params.find("scope");
      q.push_back("scope=" + escape(scope != ch.params.end() ? scope->second : "repository:" + ref.repository + ":pull"));
      for (size_t i = 0; i < q.size(); ++i) url += (i ? "&" : "") + q[i];
      // The token endpoint gets the Basic credentials, never the registry itself.
      std::string body;
      std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
      CURL* c = curl.get();
      Request treq;
      WriteCtx wctx{&treq, c};
      treq.onData = [&](const char* p, size_t n) {
        if (body.size() + n > (1u << 20)) return false;
        body.append(p, n);
        return true;
      };
      curl_easy_setopt(c, CURLOPT_URL, url.c_str());
      curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(c, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
      curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connectTimeout.count()));
      curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, &wctx);
      std::string userpwd;
      if (creds) {
        userpwd = creds->username + ":" + creds->password;
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
      }
      CURLcode rc = curl_easy_perform(c);
      long status = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      if (rc != CURLE_OK) return Error("token " + realm->second + ": " + curl_easy_strerror(rc));
      if (status < 200 || status >= 300)
        return Error(ref.registry + ": token endpoint " + realm->second + " answered " + std::to_string(status) +
                         (creds ? "" : " (no credentials for \"" + ref.registry + "\" in " + where + ")"),
                     EACCES);
      auto j = nlohmann::json::parse(body, nullptr, false);
      std::string token;
      if (j.is_object()) token = j.value("token", j.value("access_token", ""));
      if (token.empty()) return Error(ref.registry + ": token endpoint " + realm->second + " returned no token");
      std::lock_guard lock(mu_);
      authHeaders_[key] = "Bearer " + token;
      return {};
    }
  }
  return Error(ref.registry + ": unauthorized" + (header.empty() ? std::string(" (no challenge)") : ": " + header),
               EACCES);
}

Result<FetchedManifest> RegistryClient::manifest(const Reference& ref, std::string_view tagOrDigest) {
  Request req;
  req.url = scheme(ref.registry) + "://" + apiHost(ref.registry) + "/v2/" + ref.repository + "/manifests/" +
            std::string(tagOrDigest);
  req.headers = {kAcceptManifests};
  FetchedManifest m;
  req.reset = [&] { m.body.clear(); };
  req.onData = [&](const char* p, size_t n) {
    if (m.body.size() + n > kMaxManifest) {
      req.sinkError = "manifest " + std::string(tagOrDigest) + ": larger than " + std::to_string(kMaxManifest) + " bytes";
      return false;
    }
    m.body.append(p, n);
    return true;
  };
  if (Status s = perform(ref, req); !s.ok()) {
    if (s.error().code() == ENOENT)
      return Error("manifest for " + ref.registry + "/" + ref.repository + ":" + std::string(tagOrDigest) +
                       " not found: " + s.error().message(), ENOENT);
    return std::move(s).error();
  }
  m.digest = sha256Digest(m.body);
  if (isDigest(tagOrDigest) && m.digest != tagOrDigest)
    return Error("manifest " + std::string(tagOrDigest) + ": digest mismatch: content hashes to " + m.digest);
  m.mediaType = req.contentType.substr(0, req.contentType.find(';'));
  if (m.mediaType.empty() || m.mediaType == "application/json" || m.mediaType == "text/plain") {
    auto j = nlohmann::json::parse(m.body, nullptr, false);
    m.mediaType = j.is_object() ? j.value("mediaType", "") : "";
  }
  return m;
}

Status RegistryClient::blob(const Reference& ref, const Descriptor& d, const fs::path& dest,
                            const std::function<void(int64_t)>& progress) {
  sys::UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Error::sys("open", dest.string());
  auto fail = [&](Error e) {
    ::unlink(dest.c_str());
    return e;
  };
  Request req;
  req.url = scheme(ref.registry) + "://" + apiHost(ref.registry) + "/v2/" + ref.repository + "/blobs/" + d.digest;
  std::unique_ptr<Sha256> hash;
  int64_t got = 0;
  req.reset = [&] {
    hash = std::make_unique<Sha256>();
    got = 0;
    if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0) {}  // a fresh file each attempt
  };
  req.onData = [&](const char* p, size_t n) {
    got += static_cast<int64_t>(n);
    if (got > d.size) {
      req.sinkError = "blob " + d.digest + ": size mismatch: descriptor says " + std::to_string(d.size) +
                      " bytes, the registry sent more";
      return false;
    }
    hash->update(p, n);
    for (size_t off = 0; off < n;) {
      ssize_t w = ::write(fd.get(), p + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        req.sinkError = Error::sys("write", dest.string()).message();
        return false;
      }
      off += static_cast<size_t>(w);
    }
    if (progress) progress(got);
    return true;
  };
  if (Status s = perform(ref, req); !s.ok()) return fail(std::move(s).error().wrap("blob " + d.digest));
  if (got != d.size)
    return fail(Error("blob " + d.digest + ": size mismatch: descriptor says " + std::to_string(d.size) +
                      " bytes, the registry sent " + std::to_string(got)));
  if (std::string h = hash->digest(); h != d.digest)
    return fail(Error("blob " + d.digest + ": digest mismatch: content hashes to " + h));
  if (::fsync(fd.get()) != 0) return fail(Error::sys("fsync", dest.string()));
  return {};
}

}  // namespace peapod::image
