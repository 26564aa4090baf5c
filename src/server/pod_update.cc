// PUT and PATCH of pods and of their status subresource, checked with api::validatePodUpdate.
#include "api/codec.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"
#include "server/api_status.h"
#include "server/patch.h"
#include "server/pod_api.h"

namespace peapod::server {
namespace {

using nlohmann::json;

std::string rvOf(const json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  const auto& rv = obj["metadata"].value("resourceVersion", json());
  return rv.is_string() ? rv.get<std::string>() : "";
}

// A PATCH body: JSON, or YAML for apply patches.
Result<json> patchBody(const Request& req, PatchType type) {
  if (req.body.empty()) return Error("request body is empty");
  auto j = json::parse(req.body, nullptr, false);
  if (!j.is_discarded()) return j;
  if (type == PatchType::kApply) {
    PEAPOD_ASSIGN_OR_RETURN(auto docs, api::parseManifests(req.body));
    if (docs.size() != 1) return Error("expected exactly one object in the request body");
    return docs[0];
  }
  return Error("invalid JSON in request body");
}

}  // namespace

Response PodApi::update(const Request& req, const std::string& ns, const std::string& name, bool status) {
  auto body = parseBody(req);
  if (!body.ok()) return badRequest(body.error().message());
  auto current = store_.get({"pods", ns, name});
  if (!current.ok()) return storeError(current.error(), "pods", name);
  return commit(req, ns, name, std::move(*body), *current, status);
}

Response PodApi::patch(const Request& req, const std::string& ns, const std::string& name, bool status) {
  PatchType type = patchTypeOf(req.header("content-type"));
  if (type == PatchType::kUnknown) {
    return statusError(415, "UnsupportedMediaType",
                       "the body of the request was in an unknown format - accepted media types include: "
                       "application/json-patch+json, application/merge-patch+json, "
                       "application/apply-patch+yaml, application/strategic-merge-patch+json");
  }
  auto body = patchBody(req, type);
  if (!body.ok()) return badRequest(body.error().message());
  auto current = store_.get({"pods", ns, name});
  if (!current.ok()) {
    // Server-side apply creates what does not exist yet.
    if (type == PatchType::kApply && current.error().code() == store::kNotFound && !status) {
      json obj = *body;
      obj["metadata"]["name"] = name;
      return createObject(req, ns, std::move(obj));
    }
    return storeError(current.error(), "pods", name);
  }
  // Apply merges lists by key, like a strategic patch: defaulted fields of containers survive.
  auto patched = applyPatch(type == PatchType::kApply ? PatchType::kStrategic : type, *current, *body);
  if (!patched.ok()) return statusError(422, "Invalid", patched.error().message(), "Pod", name);
  // A patch applies to the version it read unless it names one itself.
  if (rvOf(*body).empty()) (*patched)["metadata"]["resourceVersion"] = rvOf(*current);
  return commit(req, ns, name, std::move(*patched), *current, status);
}

Response PodApi::commit(const Request& req, const std::string& ns, const std::string& name, json next,
                        const json& current, bool status) {
  if (!next.is_object()) return badRequest("the request body must be a Pod object");
  auto old = api::podFromJson(current);
  if (!old.ok()) return statusError(500, "InternalError", old.error().message());
  std::string rv = rvOf(next);
  auto decoded = decodePod(next, req.param("fieldValidation"));
  if (!decoded.ok()) return badRequest(decoded.error().message());
  api::Pod pod = std::move(*decoded);
  if (!pod.metadata.name.empty() && pod.metadata.name != name) {
    return badRequest("the name of the object (" + pod.metadata.name + ") does not match the name on the URL (" +
                      name + ")");
  }
  if (!pod.metadata.namespace_.empty() && pod.metadata.namespace_ != ns) {
    return badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  api::Pod result;
  if (status) {
    // The status subresource changes status only.
    result = *old;
    result.status = pod.status;
  } else {
    // What clients may leave out: server-owned metadata, the node, and the status (ignored here).
    auto& m = pod.metadata;
    const auto& o = old->metadata;
    m.name = name;
    m.namespace_ = ns;
    if (m.uid.empty()) m.uid = o.uid;
    if (m.creationTimestamp.empty()) m.creationTimestamp = o.creationTimestamp;
    if (!m.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
    if (!m.deletionGracePeriodSeconds) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    if (m.generateName.empty()) m.generateName = o.generateName;
    if (m.generation == 0) m.generation = o.generation;
    if (pod.spec.nodeName.empty()) pod.spec.nodeName = old->spec.nodeName;
    pod.status = old->status;
    api::setPodDefaults(pod);
    auto errors = api::validatePodUpdate(pod, *old);
    if (!errors.empty()) return invalid("Pod", name, errors);
    result = std::move(pod);
  }
  result.metadata.resourceVersion = rv;
  json out = api::toJson(result);
  if (out == current) return jsonResponse(200, current.dump());  // a no-op writes nothing
  auto stored = store_.update({"pods", ns, name}, std::move(out));
  if (!stored.ok()) return storeError(stored.error(), "pods", name);
  return jsonResponse(200, stored->dump());
}

}  // namespace peapod::server
