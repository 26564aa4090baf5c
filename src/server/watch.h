// WatchHub: Kubernetes watches over the store's change listeners. A bounded history of recent
// events lets a watch from a slightly older resourceVersion replay only what it missed; older
// versions get 410 Expired. Supports bookmarks, WatchList (sendInitialEvents) and Table events.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/beast.h"
#include "server/http_types.h"
#include "store/object_store.h"

namespace peapod::server {

class WatchHub {
 public:
  WatchHub(asio::io_context& io, store::ObjectStore& store, size_t historyLimit = 1000);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Answers a `watch=true` request on a resource ("pods") in a namespace ("" = all): a streamed
  // response of {"type","object"} lines, or an error Status (410 Expired, 400 bad selector).
  Response watch(const Request& req, const std::string& resource, const std::string& ns);

  // The objects of `resource` in `ns` ("" = all) as they were at revision `rv` (sorted by
  // objectKey), rebuilt by undoing the history's later changes; nullopt when the history no longer
  // reaches back to `rv`. A paged list's later pages read the first page's revision through this.
  std::optional<std::vector<nlohmann::json>> listAt(const std::string& resource, const std::string& ns,
                                                    int64_t rv) const;

  // Every event with a revision above this one is still in the history.
  int64_t floor() const { return floor_; }
  size_t activeWatches() const { return timers_.size(); }

  // How often a watch checks that its client is still there, and how often it sends bookmarks.
  std::chrono::milliseconds pollInterval{1000};
  std::chrono::milliseconds bookmarkInterval{std::chrono::seconds(30)};

 private:
  friend struct WatchRun;
  // A store change and the object before it (null for kAdded, or when it was never seen).
  struct Change {
    store::Event event;
    nlohmann::json prev;
  };
  void onEvent(const store::Event& e);

  asio::io_context& io_;
  store::ObjectStore& store_;
  size_t historyLimit_;
  std::deque<Change> history_;  // ascending revisions
  // Every object's latest state by resource and key: what a change's `prev` comes from (the
  // store tells the new state only), as the apiserver's watch cache keeps it.
  std::unordered_map<std::string, nlohmann::json> current_;
  int64_t floor_;
  std::set<asio::steady_timer*> timers_;
  int listenerId_;
};

// The Kind of a resource's objects ("pods" -> "Pod").
std::string kindOf(const std::string& resource);

}  // namespace peapod::server
