#include "server/watch.h"

#include <algorithm>
#include <map>

#include "base/log.h"
#include "base/time.h"
#include "server/api_status.h"
#include "server/selectors.h"
#include "server/table.h"
#include "server/watch_event.h"

namespace peapod::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct WatchParams {
  std::string resource, ns;
  Selector labels, fields;
  bool table = false;
  bool bookmarks = false;
  bool initialEvents = false;   // ADDED for every current object first
  bool initialEventsEnd = false;  // WatchList: then a BOOKMARK annotated k8s.io/initial-events-end
  int64_t fromRv = 0;
  Clock::time_point deadline;
};

bool matches(const WatchParams& p, const json& obj) {
  if (!p.ns.empty() && obj["metadata"].value("namespace", "") != p.ns) return false;
  return matchesLabels(p.labels, obj) && matchesFields(p.fields, obj);
}

std::string eventLine(const WatchParams& p, const char* type, const json& obj) {
  json out = {{"type", type}};
  if (p.table) {
    out["object"] = makeTable(p.resource, {obj}, obj["metadata"].value("resourceVersion", ""), WallClock::now());
  } else {
    out["object"] = obj;
  }
  return out.dump() + "\n";
}

std::string bookmarkLine(const WatchParams& p, int64_t rv, bool initialEnd) {
  json meta = {{"resourceVersion", std::to_string(rv)}};
  if (initialEnd) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  json obj = {{"kind", kindOf(p.resource)}, {"apiVersion", "v1"}, {"metadata", meta}};
  return json{{"type", "BOOKMARK"}, {"object", obj}}.dump() + "\n";
}

std::string expiredLine(int64_t rv, int64_t floor) {
  json status = {{"kind", "Status"},     {"apiVersion", "v1"}, {"metadata", json::object()},
                 {"status", "Failure"},  {"reason", "Expired"}, {"code", 410},
                 {"message", "too old resource version: " + std::to_string(rv) + " (" + std::to_string(floor) + ")"}};
  return json{{"type", "ERROR"}, {"object", status}}.dump() + "\n";
}

}  // namespace

// One running watch: a cursor into the hub's history, woken through its timer.
struct WatchRun {
  static asio::awaitable<void> run(WatchHub* hub, WatchParams p, ResponseStream& out) {
    asio::steady_timer timer(hub->io_);
    hub->timers_.insert(&timer);
    struct Unregister {
      WatchHub* hub;
      asio::steady_timer* t;
      ~Unregister() { hub->timers_.erase(t); }
    } guard{hub, &timer};

    int64_t cursor = p.fromRv;
    std::string pending;
    if (p.initialEvents) {
      cursor = hub->store_.revision();
      for (const auto& obj : hub->store_.list(p.resource, p.ns)) {
        if (matches(p, obj)) pending += eventLine(p, "ADDED", obj);
      }
      if (p.initialEventsEnd) pending += bookmarkLine(p, cursor, true);
    }
    auto nextBookmark = Clock::now() + hub->bookmarkInterval;
    for (;;) {
      if (cursor < hub->floor_) {
        std::string line = expiredLine(cursor, hub->floor_);
        co_await out.write(line);
        co_return;
      }
      auto first = std::partition_point(hub->history_.begin(), hub->history_.end(),
                                        [&](const WatchHub::Change& c) { return c.event.revision <= cursor; });
      for (auto it = first; it != hub->history_.end(); ++it) {
        const store::Event& e = it->event;
        if (e.resource != p.resource) continue;
        auto ev = filterEvent(e.type, e.object, it->prev, e.revision, [&](const json& o) { return matches(p, o); });
        if (ev) pending += eventLine(p, ev->type, ev->object);
      }
      cursor = std::max(cursor, hub->store_.revision());
      auto now = Clock::now();
      if (p.bookmarks && now >= nextBookmark) {
        pending += bookmarkLine(p, cursor, false);
        nextBookmark = now + hub->bookmarkInterval;
      }
      if (!pending.empty()) {
        std::string chunk = std::move(pending);
        pending.clear();
        bool sent = co_await out.write(chunk);
        if (!sent) co_return;
        continue;  // events may have arrived while writing
      }
      if (now >= p.deadline || out.clientGone()) co_return;
      auto wake = std::min({p.deadline, now + hub->pollInterval, p.bookmarks ? nextBookmark : p.deadline});
      timer.expires_at(wake);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

std::string kindOf(const std::string& resource) {
  if (resource == "pods") return "Pod";
  if (resource == "namespaces") return "Namespace";
  if (resource == "nodes") return "Node";
  if (resource == "events") return "Event";
  if (resource == "configmaps") return "ConfigMap";
  if (resource == "secrets") return "Secret";
  return "Object";
}

namespace {

// The resources the store holds, whose objects the hub caches from the start.
constexpr const char* kCachedResources[] = {"pods", "namespaces", "nodes", "events", "configmaps", "secrets"};

std::string cacheKey(const std::string& resource, const json& object) {
  return resource + '\x1f' + objectKey(object);
}

}  // namespace

WatchHub::WatchHub(asio::io_context& io, store::ObjectStore& store, size_t historyLimit)
    : io_(io), store_(store), historyLimit_(historyLimit), floor_(store.revision()) {
  for (const char* r : kCachedResources) {
    for (auto& o : store_.list(r, "")) {
      std::string key = cacheKey(r, o);
      current_.emplace(std::move(key), std::move(o));
    }
  }
  listenerId_ = store_.subscribe([this](const store::Event& e) { onEvent(e); });
}

WatchHub::~WatchHub() { store_.unsubscribe(listenerId_); }

std::optional<std::vector<json>> WatchHub::listAt(const std::string& resource, const std::string& ns,
                                                  int64_t rv) const {
  std::vector<json> now = store_.list(resource, ns);
  if (rv <= 0 || rv >= store_.revision()) return now;
  if (rv < floor_) return std::nullopt;
  std::map<std::string, json> byKey;
  for (auto& o : now) {
    std::string key = objectKey(o);
    byKey.emplace(std::move(key), std::move(o));
  }
  // Undo the changes after rv, newest first.
  for (auto it = history_.rbegin(); it != history_.rend() && it->event.revision > rv; ++it) {
    const store::Event& e = it->event;
    if (e.resource != resource) continue;
    if (!ns.empty() && e.object["metadata"].value("namespace", "") != ns) continue;
    std::string key = objectKey(e.object);
    switch (e.type) {
      case store::EventType::kAdded: byKey.erase(key); break;
      case store::EventType::kDeleted: byKey[key] = e.object; break;
      case store::EventType::kModified:
        if (it->prev.is_null()) return std::nullopt;  // never seen before the change
        byKey[key] = it->prev;
        break;
    }
  }
  std::vector<json> out;
  out.reserve(byKey.size());
  for (auto& [key, o] : byKey) out.push_back(std::move(o));
  return out;
}

void WatchHub::onEvent(const store::Event& e) {
  Change c{e, nullptr};
  std::string key = cacheKey(e.resource, e.object);
  if (e.type == store::EventType::kDeleted) {
    if (auto it = current_.find(key); it != current_.end()) {
      c.prev = std::move(it->second);
      current_.erase(it);
    }
  } else {
    json& slot = current_[key];
    if (e.type == store::EventType::kModified) c.prev = std::move(slot);
    slot = e.object;
  }
  history_.push_back(std::move(c));
  while (history_.size() > historyLimit_) {
    floor_ = history_.front().event.revision;
    history_.pop_front();
  }
  for (auto* t : timers_) t->cancel();
}

Response WatchHub::watch(const Request& req, const std::string& resource, const std::string& ns) {
  WatchParams p;
  p.resource = resource;
  p.ns = ns;
  auto labels = parseSelector(req.param("labelSelector"));
  if (!labels.ok()) return badRequest(labels.error().message());
  auto fields = parseSelector(req.param("fieldSelector"));
  if (!fields.ok()) return badRequest(fields.error().message());
  p.labels = *labels;
  p.fields = *fields;
  p.table = wantsTable(req);
  p.bookmarks = req.flag("allowWatchBookmarks");
  std::string rv = req.param("resourceVersion");
  if (req.flag("sendInitialEvents")) {
    p.initialEvents = true;
    p.initialEventsEnd = true;
  } else if (rv.empty() || rv == "0") {
    p.initialEvents = true;  // "start at most recent": the current state as ADDED events first
  } else {
    try {
      p.fromRv = std::stoll(rv);
    } catch (const std::exception&) {
      return badRequest("invalid resource version: " + rv);
    }
    if (p.fromRv < floor_) {
      return statusError(410, "Expired",
                         "too old resource version: " + rv + " (" + std::to_string(floor_) + ")");
    }
  }
  long timeout = 1800;  // the apiserver's --min-request-timeout
  if (std::string t = req.param("timeoutSeconds"); !t.empty()) {
    try {
      timeout = std::stol(t);
    } catch (const std::exception&) {
      return badRequest("invalid timeoutSeconds: " + t);
    }
  }
  p.deadline = Clock::now() + std::chrono::seconds(timeout);
  Response r;
  r.contentType = "application/json";
  r.stream = [this, p](ResponseStream& out) { return WatchRun::run(this, p, out); };
  return r;
}

}  // namespace peapod::server
