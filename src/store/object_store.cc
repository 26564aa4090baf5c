#include "store/object_store.h"

#include <sqlite3.h>

#include <string>

namespace peapod::store {
namespace {

// A prepared statement finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() const { return s_; }
  void bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int step() { return sqlite3_step(s_); }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string describe(const Key& k) {
  return k.namespace_.empty() ? k.resource + " \"" + k.name + "\""
                              : k.resource + " \"" + k.namespace_ + "/" + k.name + "\"";
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> ObjectStore::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error("open store " + file.string() + ": " + msg);
  }
  std::unique_ptr<ObjectStore> s(new ObjectStore(db));
  // WAL with synchronous=NORMAL: a committed write survives the daemon being killed at any
  // moment (the WAL is in the kernel's page cache); only a power loss can drop the newest commits.
  PEAPOD_TRY(s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                     "CREATE TABLE IF NOT EXISTS objects (resource TEXT NOT NULL, namespace TEXT NOT NULL,"
                     " name TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL,"
                     " PRIMARY KEY (resource, namespace, name));"
                     "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"));
  Stmt st(db, "SELECT value FROM meta WHERE key='revision'");
  if (st.step() == SQLITE_ROW) s->revision_ = sqlite3_column_int64(st.get(), 0);
  return s;
}

ObjectStore::~ObjectStore() { sqlite3_close(db_); }

Status ObjectStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error("store: " + msg);
  }
  return {};
}

Result<nlohmann::json> ObjectStore::get(const Key& key) const {
  Stmt st(db_, "SELECT body FROM objects WHERE resource=?1 AND namespace=?2 AND name=?3");
  st.bind(1, key.resource);
  st.bind(2, key.namespace_);
  st.bind(3, key.name);
  if (st.step() != SQLITE_ROW) return Error(describe(key) + " not found", kNotFound);
  return nlohmann::json::parse(st.text(0));
}

std::vector<nlohmann::json> ObjectStore::list(const std::string& resource, const std::string& ns) const {
  Stmt st(db_, ns.empty() ? "SELECT body FROM objects WHERE resource=?1 ORDER BY namespace, name"
                          : "SELECT body FROM objects WHERE resource=?1 AND namespace=?2 ORDER BY name");
  st.bind(1, resource);
  if (!ns.empty()) st.bind(2, ns);
  std::vector<nlohmann::json> out;
  while (st.step() == SQLITE_ROW) out.push_back(nlohmann::json::parse(st.text(0)));
  return out;
}

Result<int64_t> ObjectStore::write(const Key& key, const nlohmann::json& object, bool insert) {
  int64_t rv = revision_ + 1;
  PEAPOD_TRY(exec("BEGIN IMMEDIATE"));
  Stmt st(db_, insert ? "INSERT INTO objects (resource, namespace, name, rv, body) VALUES (?1, ?2, ?3, ?4, ?5)"
                      : "UPDATE objects SET rv=?4, body=?5 WHERE resource=?1 AND namespace=?2 AND name=?3");
  st.bind(1, key.resource);
  st.bind(2, key.namespace_);
  st.bind(3, key.name);
  st.bind(4, rv);
  st.bind(5, object.dump());
  int rc = st.step();
  Stmt meta(db_, "INSERT INTO meta (key, value) VALUES ('revision', ?1) "
                 "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
  meta.bind(1, rv);
  if (rc != SQLITE_DONE || meta.step() != SQLITE_DONE) {
    std::string msg = sqlite3_errmsg(db_);
    (void)exec("ROLLBACK");
    if (rc == SQLITE_CONSTRAINT) return Error(describe(key) + " already exists", kAlreadyExists);
    return Error("store write " + describe(key) + ": " + msg);
  }
  PEAPOD_TRY(exec("COMMIT"));
  revision_ = rv;
  return rv;
}

Result<nlohmann::json> ObjectStore::create(const Key& key, nlohmann::json object) {
  object["metadata"]["resourceVersion"] = std::to_string(revision_ + 1);
  PEAPOD_ASSIGN_OR_RETURN(int64_t rv, write(key, object, true));
  notify({EventType::kAdded, key.resource, object, rv});
  return object;
}

Result<nlohmann::json> ObjectStore::update(const Key& key, nlohmann::json object) {
  PEAPOD_ASSIGN_OR_RETURN(nlohmann::json current, get(key));
  auto& meta = object["metadata"];
  if (meta.contains("resourceVersion") && meta["resourceVersion"].is_string() &&
      !meta["resourceVersion"].get<std::string>().empty() &&
      meta["resourceVersion"] != current["metadata"]["resourceVersion"]) {
    return Error("Operation cannot be fulfilled on " + describe(key) +
                     ": the object has been modified; please apply your changes to the latest version and try again",
                 kConflict);
  }
  meta["resourceVersion"] = std::to_string(revision_ + 1);
  PEAPOD_ASSIGN_OR_RETURN(int64_t rv, write(key, object, false));
  notify({EventType::kModified, key.resource, object, rv});
  return object;
}

Result<nlohmann::json> ObjectStore::remove(const Key& key) {
  PEAPOD_ASSIGN_OR_RETURN(nlohmann::json current, get(key));
  int64_t rv = revision_ + 1;
  PEAPOD_TRY(exec("BEGIN IMMEDIATE"));
  Stmt st(db_, "DELETE FROM objects WHERE resource=?1 AND namespace=?2 AND name=?3");
  st.bind(1, key.resource);
  st.bind(2, key.namespace_);
  st.bind(3, key.name);
  Stmt meta(db_, "UPDATE meta SET value=?1 WHERE key='revision'");
  meta.bind(1, rv);
  if (st.step() != SQLITE_DONE || meta.step() != SQLITE_DONE) {
    std::string msg = sqlite3_errmsg(db_);
    (void)exec("ROLLBACK");
    return Error("store delete " + describe(key) + ": " + msg);
  }
  PEAPOD_TRY(exec("COMMIT"));
  revision_ = rv;
  current["metadata"]["resourceVersion"] = std::to_string(rv);
  notify({EventType::kDeleted, key.resource, current, rv});
  return current;
}

int ObjectStore::subscribe(Listener listener) {
  int id = nextListenerId_++;
  listeners_.emplace_back(id, std::move(listener));
  return id;
}

void ObjectStore::unsubscribe(int id) {
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

void ObjectStore::notify(const Event& event) {
  // Copy: a listener may subscribe or unsubscribe while being notified.
  auto listeners = listeners_;
  for (auto& [id, fn] : listeners) fn(event);
}

}  // namespace peapod::store
