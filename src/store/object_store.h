// ObjectStore: Kubernetes objects as JSON in SQLite (WAL), with a global resourceVersion and
// synchronous change notification (the watch fan-out the server and the node manager build on).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace peapod::store {

// Error codes carried in Error::code() so callers can map them to API statuses.
inline constexpr int kNotFound = 404;
inline constexpr int kAlreadyExists = 409;
inline constexpr int kConflict = 4090;

struct Key {
  std::string resource;   // "pods"
  std::string namespace_; // "" for cluster-scoped objects
  std::string name;
};

enum class EventType { kAdded, kModified, kDeleted };

struct Event {
  EventType type;
  std::string resource;
  nlohmann::json object;  // the object after the change (before it, for kDeleted)
  int64_t revision;
};

class ObjectStore {
 public:
  using Listener = std::function<void(const Event&)>;

  // Opens (creating if needed) the database file.
  static Result<std::unique_ptr<ObjectStore>> open(const std::filesystem::path& file);
  ~ObjectStore();

  Result<nlohmann::json> get(const Key& key) const;
  // Objects of a resource, in one namespace or (namespace_ empty) in all, ordered by namespace/name.
  std::vector<nlohmann::json> list(const std::string& resource, const std::string& namespace_) const;
  // Stores a new object; sets metadata.resourceVersion. kAlreadyExists if the key is taken.
  Result<nlohmann::json> create(const Key& key, nlohmann::json object);
  // Replaces an object. When object carries metadata.resourceVersion it must match (else kConflict).
  Result<nlohmann::json> update(const Key& key, nlohmann::json object);
  // Removes an object and returns its last state.
  Result<nlohmann::json> remove(const Key& key);

  int64_t revision() const { return revision_; }
  // Called synchronously after every committed change, in the order of the changes.
  int subscribe(Listener listener);
  void unsubscribe(int id);

 private:
  explicit ObjectStore(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Result<int64_t> write(const Key& key, const nlohmann::json& object, bool insert);
  void notify(const Event& event);

  sqlite3* db_;
  int64_t revision_ = 0;
  std::vector<std::pair<int, Listener>> listeners_;
  int nextListenerId_ = 1;
};

}  // namespace peapod::store
