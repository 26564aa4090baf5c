// Reference parsing with docker/distribution semantics (the grammar Kubernetes image fields use).
#include "image/reference.h"

#include <algorithm>
#include <cctype>

namespace peapod::image {
namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr std::string_view kDefaultTag = "latest";

Error invalid(std::string_view why) { return Error("invalid reference format: " + std::string(why)); }

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool validComponent(std::string_view s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (isLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !isLowerAlnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain: host components ([a-zA-Z0-9-] separated by '.') with an optional :port, or [ipv6].
bool validDomain(std::string_view d) {
  if (d.empty()) return false;
  std::string_view host = d;
  if (d.front() == '[') {  // IPv6 literal
    size_t close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = {};
    d = d.substr(close + 1);
    if (d.empty()) return true;
    if (d.front() != ':') return false;
    d = d.substr(1);
    return !d.empty() && std::all_of(d.begin(), d.end(), ::isdigit);
  }
  size_t colon = d.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
    host = d.substr(0, colon);
  }
  if (host.empty() || host.front() == '.' || host.back() == '.' || host.find("..") != std::string_view::npos)
    return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

// tag: [\w][\w.-]{0,127}
bool validTag(std::string_view t) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (t.empty() || t.size() > 128 || !word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

}  // namespace

bool isDigest(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  if (s.size() != kPrefix.size() + 64 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  return std::all_of(s.begin() + kPrefix.size(), s.end(), isHex);
}

std::string Reference::str() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

Result<Reference> parseReference(std::string_view ref) {
  if (ref.empty()) return invalid("repository name must have at least one component");
  Reference r;

  // 1. Split off "@digest".
  std::string_view name = ref;
  if (size_t at = ref.find('@'); at != std::string_view::npos) {
    std::string_view d = ref.substr(at + 1);
    if (d.substr(0, 7) != "sha256:") return invalid("unsupported digest algorithm in \"" + std::string(d) + "\"");
    if (!isDigest(d)) return invalid("invalid digest \"" + std::string(d) + "\"");
    r.digest = std::string(d);
    name = ref.substr(0, at);
  }

  // 2. Split off ":tag" (a colon after the last '/', so "host:5000/x" keeps its port).
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = name.substr(colon + 1);
    if (!validTag(tag)) return invalid("invalid tag \"" + std::string(tag) + "\"");
    r.tag = std::string(tag);
    name = name.substr(0, colon);
  }
  if (name.empty()) return invalid("repository name must have at least one component");

  // 3. The first component is a registry when it looks like a host (has '.' or ':', is
  // "localhost", or has uppercase letters, which repository names never do).
  std::string_view remote = name;
  slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = name.substr(0, slash);
    bool upper = std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || upper) {
      if (!validDomain(first)) return invalid("invalid registry \"" + std::string(first) + "\"");
      r.registry = std::string(first);
      remote = name.substr(slash + 1);
    }
  }
  if (r.registry.empty() || r.registry == "index.docker.io") r.registry = std::string(kDefaultRegistry);

  // 4. The repository path.
  if (std::any_of(remote.begin(), remote.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return invalid("repository name must be lowercase");
  if (remote.size() == 64 && std::all_of(remote.begin(), remote.end(), isHex) && r.registry == kDefaultRegistry &&
      slash == std::string_view::npos)
    return invalid("repository name can not be a 64-byte hexadecimal string (use it as an image id)");
  for (size_t b = 0;;) {
    size_t e = remote.find('/', b);
    std::string_view comp = remote.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    if (!validComponent(comp)) return invalid("invalid repository name component \"" + std::string(comp) + "\"");
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  r.repository = std::string(remote);
  if (r.registry == kDefaultRegistry && r.repository.find('/') == std::string::npos)
    r.repository = "library/" + r.repository;
  if (r.registry.size() + 1 + r.repository.size() > 255) return invalid("repository name must not be more than 255 characters");

  if (r.tag.empty() && r.digest.empty()) r.tag = std::string(kDefaultTag);
  return r;
}

std::string normalizeReference(std::string_view ref) {
  auto r = parseReference(ref);
  return r.ok() ? r->str() : std::string(ref);
}

}  // namespace peapod::image
