#include "server/node_link.h"

#include "api/codec.h"
#include "base/log.h"
#include "base/time.h"

namespace peapod::server {
namespace {

store::Key podKey(const api::Pod& pod) { return {"pods", pod.metadata.namespace_, pod.metadata.name}; }

// The node reports status for the object it was given; a recreated object with the same name has
// another uid and must not receive it.
Result<nlohmann::json> currentObject(store::ObjectStore& store, const api::Pod& pod) {
  PEAPOD_ASSIGN_OR_RETURN(nlohmann::json current, store.get(podKey(pod)));
  if (current["metadata"].value("uid", "") != pod.metadata.uid) return Error("pod was replaced");
  return current;
}

}  // namespace

node::PodManager::Callbacks NodeLink::nodeCallbacks() {
  node::PodManager::Callbacks cb;
  cb.statusChanged = [this](const api::Pod& pod) {
    auto current = currentObject(store_, pod);
    if (!current.ok()) return;
    (*current)["status"] = api::encode(pod.status);
    auto r = store_.update(podKey(pod), std::move(*current));
    if (!r.ok()) log::warn("write status of pod " + pod.metadata.name + ": " + r.error().message());
  };
  cb.terminated = [this](const api::Pod& pod) {
    if (currentObject(store_, pod).ok()) (void)store_.remove(podKey(pod));
  };
  cb.event = [this](const api::Pod& pod, const std::string& type, const std::string& reason,
                    const std::string& message) { recordEvent(pod, type, reason, message); };
  return cb;
}

node::StaticPodSource::Callbacks NodeLink::staticCallbacks() {
  node::StaticPodSource::Callbacks cb;
  cb.added = [this](const api::Pod& pod) {
    auto existing = store_.get(podKey(pod));
    if (existing.ok()) (void)store_.remove(podKey(pod));  // another pod of that name gives way
    auto r = store_.create(podKey(pod), api::toJson(pod));
    if (!r.ok()) log::error("mirror pod " + pod.metadata.name + ": " + r.error().message());
  };
  cb.removed = [this](const api::Pod& pod) {
    if (currentObject(store_, pod).ok()) (void)store_.remove(podKey(pod));
  };
  cb.invalid = [](const std::string& file, const std::string& error) {
    log::error("static pod manifest " + file + " is invalid, its pods are unchanged: " + error);
  };
  return cb;
}

const api::Pod* NodeLink::staticPod(const std::string& uid) const {
  if (!static_) return nullptr;
  auto it = static_->pods().find(uid);
  return it == static_->pods().end() ? nullptr : &it->second;
}

// As seed 004 says: deleting a mirror pod through the API does not stop the static pod; the
// kubelet creates the mirror again.
void NodeLink::recreateMirror(const std::string& uid, const nlohmann::json& lastStatus) {
  const api::Pod* pod = staticPod(uid);
  if (!pod) return;
  auto obj = api::toJson(*pod);
  obj["status"] = lastStatus;
  (void)store_.create(podKey(*pod), obj);
}

void NodeLink::attach(node::PodManager& node) {
  store_.subscribe([this, &node](const store::Event& e) {
    if (e.resource == "configmaps" || e.resource == "secrets") {
      // Mounted copies follow the object (the kubelet's configmap/secret managers, event-driven).
      std::string ns = e.object["metadata"].value("namespace", "");
      asio::post(io_, [&node, ns] { node.objectsChanged(ns); });
      return;
    }
    if (e.resource != "pods") return;
    std::string uid = e.object["metadata"].value("uid", "");
    nlohmann::json status = e.object.value("status", nlohmann::json::object());
    if (e.type == store::EventType::kDeleted) {
      if (staticPod(uid)) {
        asio::post(io_, [this, uid, status] { recreateMirror(uid, status); });
      } else {
        asio::post(io_, [&node, uid] { node.forgetPod(uid); });
      }
      return;
    }
    if (staticPod(uid) && e.object["metadata"].contains("deletionTimestamp")) {
      auto key = store::Key{"pods", e.object["metadata"].value("namespace", ""), e.object["metadata"].value("name", "")};
      asio::post(io_, [this, key] { (void)store_.remove(key); });
      return;
    }
    auto pod = api::podFromJson(e.object);
    if (!pod.ok()) {
      log::error("stored pod does not decode: " + pod.error().message());
      return;
    }
    if (e.type == store::EventType::kAdded && !staticPod(uid)) {
      recordEvent(*pod, "Normal", "Scheduled",
                  "Successfully assigned " + pod->metadata.namespace_ + "/" + pod->metadata.name + " to " + nodeName_);
    }
    asio::post(io_, [&node, p = std::move(*pod)] { node.syncPod(p); });
  });
  for (auto& obj : store_.list("pods", "")) {  // pods of a previous run: adopt or restart them
    if (auto pod = api::podFromJson(obj); pod.ok()) node.syncPod(*pod);
  }
}

void NodeLink::recordEvent(const api::Pod& pod, const std::string& type, const std::string& reason,
                           const std::string& message) {
  std::string now = formatRfc3339(WallClock::now());
  std::string dedup = pod.metadata.uid + "/" + reason + "/" + message;
  const std::string& ns = pod.metadata.namespace_;
  if (auto it = eventNames_.find(dedup); it != eventNames_.end()) {
    auto existing = store_.get({"events", ns, it->second});
    if (existing.ok()) {
      (*existing)["count"] = existing->value("count", 1) + 1;
      (*existing)["lastTimestamp"] = now;
      (void)store_.update({"events", ns, it->second}, std::move(*existing));
      return;
    }
  }
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(
                                                      WallClock::now().time_since_epoch().count() + eventSeq_++));
  std::string name = pod.metadata.name + "." + suffix;
  std::string component = reason == "Scheduled" ? "default-scheduler" : "kubelet";
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"creationTimestamp", now}}},
      {"involvedObject",
       {{"kind", "Pod"}, {"namespace", ns}, {"name", pod.metadata.name}, {"uid", pod.metadata.uid}, {"apiVersion", "v1"}}},
      {"reason", reason},
      {"message", message},
      {"type", type},
      {"source", {{"component", component}, {"host", nodeName_}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"reportingComponent", component},
      {"reportingInstance", nodeName_},
  };
  if (store_.create({"events", ns, name}, std::move(event)).ok()) eventNames_[dedup] = name;
}

}  // namespace peapod::server
