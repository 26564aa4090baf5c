// List responses with the apiserver's paging: `limit`, and `continue` tokens shaped as its are
// (base64url JSON {"v":"meta.k8s.io/v1","rv":N,"start":"<next key>"}), so later pages read the same
// revision as the first and resume after the last key returned: creates and deletes between pages
// neither skip nor repeat an item. `remainingItemCount` when no selector filters the list.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "server/http_types.h"
#include "store/object_store.h"

namespace peapod::server {

class WatchHub;

struct ContinueToken {
  int64_t rv = 0;     // the revision the first page was read at; -1: continue at the latest one
  std::string start;  // the key ("ns/name") to resume from, inclusive
};

std::string encodeContinue(const ContinueToken& token);
// Errors carry the apiserver's wording ("continue key is not valid: ...").
Result<ContinueToken> decodeContinue(const std::string& text);

// The objects of one resource (in the request's namespace) as of revision `rv`; rv 0 means now.
// nullopt when that revision can no longer be rebuilt.
using SnapshotFn = std::function<std::optional<std::vector<nlohmann::json>>(int64_t rv)>;

// Snapshots of `resource` in `ns` ("" = all) read from the store now, and at an older revision
// through the watch history (`history` null: only the store's current revision).
SnapshotFn storeSnapshots(const store::ObjectStore& store, const WatchHub* history, std::string resource,
                          std::string ns);

// A list response: `<Kind>List` JSON, or a Table when the client asks for one. Applies
// labelSelector/fieldSelector, limit and continue; `revision` is the store's current one.
// A token older than the snapshots reach gets 410 Expired with a token to continue at the latest
// revision (as the apiserver answers after an etcd compaction); a garbled one 400 BadRequest.
Response listResponse(const Request& req, const std::string& resource, const SnapshotFn& snapshot,
                      int64_t revision);

}  // namespace peapod::server
