#include "server/pod_api.h"

#include <fstream>
#include <random>
#include <sstream>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"
#include "base/time.h"
#include "node/log_paths.h"
#include "server/api_status.h"
#include "server/list_page.h"
#include "server/selectors.h"
#include "server/table.h"

namespace peapod::server {
namespace {

std::string randomHex(size_t n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kHex[rng() % 16]);
  return s;
}

// A random (version 4) UUID, as the apiserver gives every object.
std::string newUid() {
  std::string h = randomHex(32);
  h[12] = '4';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// The suffix generateName gets: 5 characters from the apiserver's alphabet (no vowels).
std::string nameSuffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s.push_back(kAlphabet[rng() % (sizeof kAlphabet - 1)]);
  return s;
}

}  // namespace

std::string newObjectUid() { return newUid(); }

Result<nlohmann::json> parseBody(const Request& req) {
  if (req.body.empty()) return Error("request body is empty");
  if (req.header("content-type").find("yaml") != std::string::npos) {
    PEAPOD_ASSIGN_OR_RETURN(auto docs, api::parseManifests(req.body));
    if (docs.size() != 1) return Error("expected exactly one object in the request body");
    return docs[0];
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return Error("couldn't get version/kind; json parse error: invalid JSON in request body");
  return j;
}

namespace {

// Removes the field at a codec path ("spec.containers[0].foo") from a JSON document.
bool erasePath(nlohmann::json& doc, const std::string& path) {
  nlohmann::json* cur = &doc;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find_first_of(".[", pos);
    std::string key = path.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    bool last = end == std::string::npos;
    if (!cur->is_object() || !cur->contains(key)) return false;
    if (last) {
      cur->erase(key);
      return true;
    }
    cur = &(*cur)[key];
    pos = end;
    while (pos < path.size() && path[pos] == '[') {
      size_t close = path.find(']', pos);
      if (close == std::string::npos || !cur->is_array()) return false;
      size_t idx = std::stoul(path.substr(pos + 1, close - pos - 1));
      if (idx >= cur->size()) return false;
      cur = &(*cur)[idx];
      pos = close + 1;
    }
    if (pos < path.size() && path[pos] == '.') ++pos;
  }
  return false;
}

}  // namespace

Result<api::Pod> decodePod(nlohmann::json body, const std::string& fieldValidation, std::vector<std::string>* warnings) {
  bool drop = fieldValidation == "Ignore" || fieldValidation == "Warn";
  for (int attempt = 0;; ++attempt) {
    auto pod = api::podFromJson(body);
    if (pod.ok() || !drop || attempt > 2) return pod;
    // Drop every unknown field the strict decoder named, then decode again.
    std::stringstream lines(pod.error().message());
    std::string line;
    bool erased = false;
    const std::string prefix = "unknown field \"";
    while (std::getline(lines, line)) {
      if (line.rfind(prefix, 0) != 0 || line.back() != '"') continue;
      std::string path = line.substr(prefix.size(), line.size() - prefix.size() - 1);
      if (erasePath(body, path)) {
        erased = true;
        if (warnings) warnings->push_back(line);
      }
    }
    if (!erased) return pod;
  }
}

Response PodApi::create(const Request& req, const std::string& ns) {
  auto body = parseBody(req);
  if (!body.ok()) return badRequest(body.error().message());
  return createObject(req, ns, std::move(*body));
}

Response PodApi::createObject(const Request& req, const std::string& ns, nlohmann::json body) {
  std::vector<std::string> warnings;
  auto pod = decodePod(std::move(body), req.param("fieldValidation"), &warnings);
  if (!pod.ok()) return badRequest(pod.error().message());
  auto& meta = pod->metadata;
  if (!meta.namespace_.empty() && meta.namespace_ != ns) {
    return badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  meta.namespace_ = ns;
  if (meta.name.empty() && !meta.generateName.empty()) meta.name = meta.generateName + nameSuffix();
  api::setPodDefaults(*pod);
  auto errors = api::validatePod(*pod);
  if (!errors.empty()) return invalid("Pod", meta.name, errors);
  // What the apiserver and the scheduler would add: identity, time, this node, a fresh status.
  meta.uid = newUid();
  meta.creationTimestamp = formatRfc3339(WallClock::now());
  meta.resourceVersion.clear();
  meta.deletionTimestamp.reset();
  meta.deletionGracePeriodSeconds.reset();
  pod->spec.nodeName = nodeName_;
  pod->status = api::PodStatus{};
  pod->status.phase = "Pending";
  pod->status.qosClass = "BestEffort";
  auto stored = store_.create({"pods", ns, meta.name}, api::toJson(*pod));
  if (!stored.ok()) return storeError(stored.error(), "pods", meta.name);
  auto r = jsonResponse(201, stored->dump());
  if (!warnings.empty() && req.param("fieldValidation") == "Warn") r.headers["Warning"] = "299 - \"" + warnings[0] + "\"";
  return r;
}

Response PodApi::get(const Request& req, const std::string& ns, const std::string& name) {
  auto pod = store_.get({"pods", ns, name});
  if (!pod.ok()) return storeError(pod.error(), "pods", name);
  if (wantsTable(req)) {
    std::string rv = (*pod)["metadata"].value("resourceVersion", "");
    return jsonResponse(200, makeTable("pods", {*pod}, rv, WallClock::now()).dump());
  }
  return jsonResponse(200, pod->dump());
}

Response PodApi::list(const Request& req, const std::string& ns) {
  return listResponse(req, "pods", storeSnapshots(store_, history_, "pods", ns), store_.revision());
}

// Graceful deletion as the apiserver does it for pods: deletionTimestamp = now + grace, and the
// node deletes the object once its containers are gone. Grace 0, or a pod that has finished,
// is removed at once (the node then kills whatever is left).
Response PodApi::remove(const Request& req, const std::string& ns, const std::string& name) {
  auto current = store_.get({"pods", ns, name});
  if (!current.ok()) return storeError(current.error(), "pods", name);
  nlohmann::json options = nlohmann::json::object();
  if (!req.body.empty()) {
    options = nlohmann::json::parse(req.body, nullptr, false);
    if (options.is_discarded() || !options.is_object()) return badRequest("invalid DeleteOptions in request body");
  }
  if (options.contains("preconditions")) {
    const auto& pre = options["preconditions"];
    if (pre.contains("uid") && pre["uid"] != (*current)["metadata"]["uid"]) {
      return statusError(409, "Conflict",
                         "Precondition failed: UID in precondition: " + pre["uid"].get<std::string>() +
                             ", UID in object meta: " + (*current)["metadata"].value("uid", ""),
                         "pods", name);
    }
  }
  auto& pod = *current;
  int64_t grace = pod["spec"].value("terminationGracePeriodSeconds", int64_t(30));
  if (options.contains("gracePeriodSeconds") && options["gracePeriodSeconds"].is_number_integer()) {
    grace = options["gracePeriodSeconds"].get<int64_t>();
  } else if (!req.param("gracePeriodSeconds").empty()) {
    grace = std::stoll(req.param("gracePeriodSeconds"));
  }
  std::string phase = pod["status"].value("phase", "");
  if (grace <= 0 || phase == "Succeeded" || phase == "Failed") {
    auto removed = store_.remove({"pods", ns, name});
    if (!removed.ok()) return storeError(removed.error(), "pods", name);
    return jsonResponse(200, removed->dump());
  }
  auto& meta = pod["metadata"];
  if (meta.contains("deletionGracePeriodSeconds") && meta["deletionGracePeriodSeconds"].get<int64_t>() <= grace) {
    return jsonResponse(200, pod.dump());  // already terminating at least as fast
  }
  meta["deletionTimestamp"] = formatRfc3339(WallClock::now() + std::chrono::seconds(grace));
  meta["deletionGracePeriodSeconds"] = grace;
  auto updated = store_.update({"pods", ns, name}, pod);
  if (!updated.ok()) return storeError(updated.error(), "pods", name);
  return jsonResponse(200, updated->dump());
}

}  // namespace peapod::server
