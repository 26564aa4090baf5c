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
#include "server/selectors.h"

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

// The last n lines of text (each ending in a newline).
std::string lastLines(const std::string& text, long n) {
  if (n <= 0) return "";
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (long seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == n) break;
  }
  return text.substr(pos);
}

}  // namespace

Response PodApi::create(const Request& req, const std::string& ns) {
  auto body = parseBody(req);
  if (!body.ok()) return badRequest(body.error().message());
  auto pod = api::podFromJson(*body);
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
  return jsonResponse(201, stored->dump());
}

Response PodApi::get(const std::string& ns, const std::string& name) {
  auto pod = store_.get({"pods", ns, name});
  if (!pod.ok()) return storeError(pod.error(), "pods", name);
  return jsonResponse(200, pod->dump());
}

Response PodApi::list(const Request& req, const std::string& ns) {
  auto labels = parseSelector(req.param("labelSelector"));
  if (!labels.ok()) return badRequest(labels.error().message());
  auto fields = parseSelector(req.param("fieldSelector"));
  if (!fields.ok()) return badRequest(fields.error().message());
  nlohmann::json items = nlohmann::json::array();
  for (auto& pod : store_.list("pods", ns)) {
    if (matchesLabels(*labels, pod) && matchesFields(*fields, pod)) items.push_back(std::move(pod));
  }
  nlohmann::json list = {{"kind", "PodList"},
                         {"apiVersion", "v1"},
                         {"metadata", {{"resourceVersion", std::to_string(store_.revision())}}},
                         {"items", std::move(items)}};
  return jsonResponse(200, list.dump());
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

Response PodApi::log(const Request& req, const std::string& ns, const std::string& name) {
  auto stored = store_.get({"pods", ns, name});
  if (!stored.ok()) return storeError(stored.error(), "pods", name);
  auto pod = api::podFromJson(*stored);
  if (!pod.ok()) return statusError(500, "InternalError", pod.error().message());
  std::string container = req.param("container");
  if (container.empty()) {
    if (pod->spec.containers.size() != 1) {
      std::string names;
      for (const auto& c : pod->spec.containers) names += (names.empty() ? "" : " ") + c.name;
      return badRequest("a container name must be specified for pod " + name + ", choose one of: [" + names + "]");
    }
    container = pod->spec.containers[0].name;
  }
  const api::ContainerStatus* status = nullptr;
  for (const auto& s : pod->status.containerStatuses) {
    if (s.name == container) status = &s;
  }
  bool known = false;
  for (const auto& c : pod->spec.containers) known = known || c.name == container;
  if (!known) return badRequest("container " + container + " is not valid for pod " + name);
  bool neverRan = !status || (status->state.waiting && !status->lastState.terminated);
  if (neverRan) {
    std::string reason = status ? status->state.waiting->reason : "ContainerCreating";
    return badRequest("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " + reason);
  }
  int restarts = status->restartCount;
  bool previous = req.flag("previous");
  if (previous && !status->lastState.terminated) {
    return badRequest("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found");
  }
  // During a back-off the newest log is the last run's: restartCount only moves on a restart.
  int run = previous ? restarts - 1 : restarts;
  if (!previous && status->state.waiting) run = restarts;
  auto dir = node::podLogDir(logDir_, ns, name, pod->metadata.uid);
  std::ifstream in(node::containerLogFile(dir, container, run));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = node::criLogToText(ss.str(), req.flag("timestamps"));
  if (std::string tail = req.param("tailLines"); !tail.empty()) text = lastLines(text, std::stol(tail));
  Response r;
  r.contentType = "text/plain";
  r.body = std::move(text);
  return r;
}

}  // namespace peapod::server
