// Which event a filtered watch sends for one store change, decided as the apiserver's cacher does:
// by testing the object before and after the change against the watch's filter, so an object that
// stops matching a selector is DELETED from the watcher's view and one that starts matching is ADDED.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "store/object_store.h"

namespace peapod::server {

struct WatchEvent {
  const char* type;  // "ADDED", "MODIFIED", "DELETED"
  nlohmann::json object;
};

// `object` is the object after the change (its last state for kDeleted); `prev` the object before
// a kModified change, null when unknown (then the change counts as MODIFIED when `object` matches).
// nullopt: the watcher sees nothing of this change. A DELETED sent because the object stopped
// matching carries the previous object with the change's resourceVersion.
std::optional<WatchEvent> filterEvent(store::EventType type, const nlohmann::json& object,
                                      const nlohmann::json& prev, int64_t revision,
                                      const std::function<bool(const nlohmann::json&)>& matches);

// "namespace/name" (or "name" for a cluster-scoped object): the order lists are sorted in and the
// key continue tokens resume from.
std::string objectKey(const nlohmann::json& object);

}  // namespace peapod::server
