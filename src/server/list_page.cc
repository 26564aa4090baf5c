// Paged list responses and continue tokens (see list_page.h).
#include "server/list_page.h"

#include <algorithm>

#include "base/time.h"
#include "server/api_status.h"
#include "server/selectors.h"
#include "server/table.h"
#include "server/watch.h"
#include "server/watch_event.h"

namespace peapod::server {
namespace {

using nlohmann::json;

constexpr const char* kTokenVersion = "meta.k8s.io/v1";
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding (Go's base64.RawURLEncoding).
std::string b64Encode(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    if (rest == 2) out += kB64[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> b64Decode(const std::string& in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* at = std::char_traits<char>::find(kB64, 64, c);
    if (!at) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(at - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// What Go's path.Clean leaves unchanged: no empty, "." or ".." segments, no trailing slash.
bool cleanPath(const std::string& p) {
  if (p == "/") return true;
  if (p.back() == '/') return false;
  size_t at = 1;
  while (at <= p.size()) {
    size_t end = p.find('/', at);
    if (end == std::string::npos) end = p.size();
    std::string seg = p.substr(at, end - at);
    if (seg.empty() || seg == "." || seg == "..") return false;
    at = end + 1;
  }
  return true;
}

const char* kContinueExpired =
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of "
    "the results. Continuing with the provided token results in an inconsistent list - objects that were "
    "created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

}  // namespace

std::string encodeContinue(const ContinueToken& token) {
  json j = {{"v", kTokenVersion}, {"rv", token.rv}, {"start", token.start}};
  return b64Encode(j.dump());
}

Result<ContinueToken> decodeContinue(const std::string& text) {
  auto raw = b64Decode(text);
  if (!raw) return Error("continue key is not valid: illegal base64 data");
  json j = json::parse(*raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error("continue key is not valid: not a JSON object");
  std::string v = j.contains("v") && j["v"].is_string() ? j["v"].get<std::string>() : "";
  if (v != kTokenVersion) {
    return Error("continue key is not valid: server does not recognize this encoded version \"" + v + "\"");
  }
  ContinueToken t;
  if (j.contains("rv") && j["rv"].is_number_integer()) t.rv = j["rv"].get<int64_t>();
  if (j.contains("start") && j["start"].is_string()) t.start = j["start"].get<std::string>();
  if (t.rv == 0) {
    return Error("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (t.start.empty()) return Error("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
  if (!cleanPath("/" + t.start)) return Error("continue key is not valid: " + t.start);
  return t;
}

SnapshotFn storeSnapshots(const store::ObjectStore& store, const WatchHub* history, std::string resource,
                          std::string ns) {
  return [&store, history, resource = std::move(resource), ns = std::move(ns)](
             int64_t rv) -> std::optional<std::vector<json>> {
    if (history) return history->listAt(resource, ns, rv);
    if (rv > 0 && rv != store.revision()) return std::nullopt;
    return store.list(resource, ns);
  };
}

Response listResponse(const Request& req, const std::string& resource, const SnapshotFn& snapshot,
                      int64_t revision) {
  auto labels = parseSelector(req.param("labelSelector"));
  if (!labels.ok()) return badRequest(labels.error().message());
  auto fields = parseSelector(req.param("fieldSelector"));
  if (!fields.ok()) return badRequest(fields.error().message());
  size_t limit = 0;
  if (std::string l = req.param("limit"); !l.empty()) {
    try {
      long long n = std::stoll(l);
      limit = n > 0 ? static_cast<size_t>(n) : 0;  // the apiserver treats limit <= 0 as none
    } catch (const std::exception&) {
      return badRequest("invalid limit: " + l);
    }
  }
  ContinueToken from;
  if (std::string c = req.param("continue"); !c.empty()) {
    if (std::string rv = req.param("resourceVersion"); !rv.empty() && rv != "0") {
      return badRequest("specifying resource version is not allowed when using continue");
    }
    auto t = decodeContinue(c);
    if (!t.ok()) return badRequest("invalid continue token: " + t.error().message());
    from = *t;
  }

  int64_t at = from.rv > 0 ? from.rv : revision;
  auto objects = snapshot(from.rv > 0 ? from.rv : 0);
  if (!objects) {
    auto r = statusError(410, "Expired", kContinueExpired);
    json body = json::parse(r.body);
    body["metadata"]["continue"] = encodeContinue({-1, from.start});
    r.body = body.dump();
    return r;
  }
  // Key order (as etcd lists), so a page boundary is a key and the next page starts after it.
  std::vector<std::pair<std::string, json>> keyed;
  keyed.reserve(objects->size());
  for (auto& o : *objects) {
    std::string key = objectKey(o);
    if (!from.start.empty() && key < from.start) continue;
    if (!matchesLabels(*labels, o) || !matchesFields(*fields, o)) continue;
    keyed.emplace_back(std::move(key), std::move(o));
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  json meta = {{"resourceVersion", std::to_string(at)}};
  if (limit > 0 && keyed.size() > limit) {
    meta["continue"] = encodeContinue({at, keyed[limit - 1].first + '\0'});
    if (labels->empty() && fields->empty()) meta["remainingItemCount"] = keyed.size() - limit;
    keyed.resize(limit);
  }
  std::vector<json> items;
  items.reserve(keyed.size());
  for (auto& [key, o] : keyed) items.push_back(std::move(o));
  if (wantsTable(req)) {
    auto table = makeTable(resource, items, std::to_string(at), WallClock::now());
    table["metadata"] = meta;
    return jsonResponse(200, table.dump());
  }
  json list = {{"kind", kindOf(resource) + "List"}, {"apiVersion", "v1"}, {"metadata", meta}, {"items", std::move(items)}};
  return jsonResponse(200, list.dump());
}

}  // namespace peapod::server
