// Filtered watch events from old/new object pairs (see watch_event.h).
#include "server/watch_event.h"

namespace peapod::server {

std::optional<WatchEvent> filterEvent(store::EventType type, const nlohmann::json& object,
                                      const nlohmann::json& prev, int64_t revision,
                                      const std::function<bool(const nlohmann::json&)>& matches) {
  switch (type) {
    case store::EventType::kAdded:
      if (matches(object)) return WatchEvent{"ADDED", object};
      return std::nullopt;
    case store::EventType::kDeleted:
      if (matches(object)) return WatchEvent{"DELETED", object};
      return std::nullopt;
    case store::EventType::kModified: {
      bool now = matches(object);
      bool before = prev.is_null() ? now : matches(prev);
      if (now && before) return WatchEvent{"MODIFIED", object};
      if (now) return WatchEvent{"ADDED", object};
      if (before) {
        nlohmann::json gone = prev;
        gone["metadata"]["resourceVersion"] = std::to_string(revision);
        return WatchEvent{"DELETED", std::move(gone)};
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string objectKey(const nlohmann::json& object) {
  std::string ns, name;
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    ns = m->value("namespace", "");
    name = m->value("name", "");
  }
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace peapod::server
