#include "server/objects_api.h"

#include <openssl/evp.h>

#include <regex>

#include "base/log.h"
#include "base/time.h"
#include "server/api_status.h"
#include "server/list_page.h"
#include "server/patch.h"
#include "server/pod_api.h"
#include "server/selectors.h"
#include "server/table.h"
#include "server/watch.h"

namespace peapod::server {
namespace {

using nlohmann::json;

const char* const kSystemNamespaces[] = {"default", "kube-system", "kube-public", "kube-node-lease"};

bool isSystemNamespace(const std::string& ns) {
  return ns == "default" || ns == "kube-system" || ns == "kube-public";
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool validName(const std::string& resource, const std::string& name) {
  static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  static const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  if (resource == "namespaces") return name.size() <= 63 && std::regex_match(name, label);
  return name.size() <= 253 && std::regex_match(name, subdomain);
}


}  // namespace

bool isSimpleResource(const std::string& r) {
  return r == "namespaces" || r == "nodes" || r == "events" || r == "configmaps" || r == "secrets";
}
bool isNamespaced(const std::string& r) { return r != "namespaces" && r != "nodes"; }

ObjectApi::ObjectApi(asio::io_context& io, store::ObjectStore& store, DeletePod deletePod)
    : io_(io), store_(store), deletePod_(std::move(deletePod)) {
  // A terminating namespace goes away with its last pod.
  listenerId_ = store_.subscribe([this](const store::Event& e) {
    if (e.resource != "pods" || e.type != store::EventType::kDeleted) return;
    std::string ns = e.object["metadata"].value("namespace", "");
    asio::post(io_, [this, ns] { finishNamespaceIfEmpty(ns); });
  });
}

ObjectApi::~ObjectApi() { store_.unsubscribe(listenerId_); }

void ObjectApi::ensureSystemNamespaces() {
  for (const char* ns : kSystemNamespaces) {
    if (store_.get({"namespaces", "", ns}).ok()) continue;
    json obj = {{"apiVersion", "v1"},
                {"kind", "Namespace"},
                {"metadata", {{"name", ns}, {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                {"spec", {{"finalizers", {"kubernetes"}}}},
                {"status", {{"phase", "Active"}}}};
    (void)store("namespaces", "", std::move(obj), true, 201);
  }
}

Response ObjectApi::checkNamespaceWritable(const std::string& ns) const {
  auto obj = store_.get({"namespaces", "", ns});
  if (!obj.ok()) return notFound("namespaces", ns);
  if ((*obj)["status"].value("phase", "") == "Terminating") {
    return statusError(403, "Forbidden",
                       "unable to create new content in namespace " + ns + " because it is being terminated",
                       "", "");
  }
  return jsonResponse(200, "");
}

Response ObjectApi::store(const std::string& resource, const std::string& ns, json obj, bool create, int code) {
  if (!obj.is_object()) return badRequest("the request body must be an object");
  auto& meta = obj["metadata"];
  if (!meta.is_object()) return badRequest("metadata must be an object");
  std::string name = meta.value("name", "");
  if (create && name.empty() && meta.contains("generateName")) {
    static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    name = meta.value("generateName", "");
    for (int i = 0; i < 5; ++i) name.push_back(kAlphabet[static_cast<size_t>(rand()) % (sizeof kAlphabet - 1)]);
    meta["name"] = name;
  }
  std::string kind = kindOf(resource);
  if (name.empty()) {
    return invalid(kind, name, {{api::FieldError::Type::Required, "metadata.name", "", "name or generateName is required"}});
  }
  if (!validName(resource, name)) {
    std::string detail = resource == "namespaces"
                             ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                               "and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                               "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                             : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                               "'-' or '.', and must start and end with an alphanumeric character (e.g. "
                               "'example.com', regex used for validation is "
                               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    return invalid(kind, name, {{api::FieldError::Type::Invalid, "metadata.name", "\"" + name + "\"", detail}});
  }
  obj["apiVersion"] = "v1";
  obj["kind"] = kind;
  if (isNamespaced(resource)) meta["namespace"] = ns;
  else meta.erase("namespace");
  if (resource == "secrets" && obj.contains("stringData")) {
    for (auto& [k, v] : obj["stringData"].items()) {
      if (v.is_string()) obj["data"][k] = base64(v.get<std::string>());
    }
    obj.erase("stringData");
    if (!obj.contains("type")) obj["type"] = "Opaque";
  }
  if (resource == "secrets" && !obj.contains("type")) obj["type"] = "Opaque";
  if (resource == "namespaces") {
    meta["labels"]["kubernetes.io/metadata.name"] = name;
    if (!obj.contains("status")) obj["status"] = {{"phase", "Active"}};
    if (!obj.contains("spec")) obj["spec"] = {{"finalizers", {"kubernetes"}}};
  }
  store::Key key{resource, isNamespaced(resource) ? ns : "", name};
  Result<json> stored = Error("unreachable");
  if (create) {
    meta["uid"] = newObjectUid();
    meta["creationTimestamp"] = formatRfc3339(WallClock::now());
    meta.erase("resourceVersion");
    stored = store_.create(key, std::move(obj));
  } else {
    auto current = store_.get(key);
    if (!current.ok()) return storeError(current.error(), resource, name);
    for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp"}) {
      if ((*current)["metadata"].contains(f)) meta[f] = (*current)["metadata"][f];
    }
    if (resource == "namespaces") obj["status"] = (*current)["status"];
    stored = store_.update(key, std::move(obj));
  }
  if (!stored.ok()) return storeError(stored.error(), resource, name);
  return jsonResponse(code, stored->dump());
}

Response ObjectApi::create(const Request& req, const std::string& resource, const std::string& ns) {
  auto body = parseBody(req);
  if (!body.ok()) return badRequest(body.error().message());
  if (body->is_object() && body->contains("metadata") && (*body)["metadata"].contains("namespace") &&
      isNamespaced(resource) && (*body)["metadata"]["namespace"] != ns && (*body)["metadata"]["namespace"] != "") {
    return badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  return store(resource, ns, std::move(*body), true, 201);
}

Response ObjectApi::get(const Request& req, const std::string& resource, const std::string& ns,
                        const std::string& name) {
  auto obj = store_.get({resource, isNamespaced(resource) ? ns : "", name});
  if (!obj.ok()) return storeError(obj.error(), resource, name);
  if (wantsTable(req)) {
    return jsonResponse(200, makeTable(resource, {*obj}, (*obj)["metadata"].value("resourceVersion", ""),
                                       WallClock::now())
                                 .dump());
  }
  return jsonResponse(200, obj->dump());
}

Response ObjectApi::list(const Request& req, const std::string& resource, const std::string& ns) {
  return listResponse(req, resource, storeSnapshots(store_, history_, resource, isNamespaced(resource) ? ns : ""),
                      store_.revision());
}

Response ObjectApi::update(const Request& req, const std::string& resource, const std::string& ns,
                           const std::string& name) {
  auto body = parseBody(req);
  if (!body.ok()) return badRequest(body.error().message());
  if (body->is_object() && (*body)["metadata"].value("name", name) != name) {
    return badRequest("the name of the object does not match the name on the URL");
  }
  (*body)["metadata"]["name"] = name;
  return store(resource, ns, std::move(*body), false, 200);
}

Response ObjectApi::patch(const Request& req, const std::string& resource, const std::string& ns,
                          const std::string& name) {
  PatchType type = patchTypeOf(req.header("content-type"));
  if (type == PatchType::kUnknown) return statusError(415, "UnsupportedMediaType", "unsupported patch type");
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    auto yaml = parseBody(req);
    if (!yaml.ok()) return badRequest(yaml.error().message());
    body = *yaml;
  }
  store::Key key{resource, isNamespaced(resource) ? ns : "", name};
  auto current = store_.get(key);
  if (!current.ok()) {
    if (type == PatchType::kApply && current.error().code() == store::kNotFound) {
      body["metadata"]["name"] = name;
      return store(resource, ns, std::move(body), true, 201);
    }
    return storeError(current.error(), resource, name);
  }
  auto patched = applyPatch(type == PatchType::kApply ? PatchType::kStrategic : type, *current, body);
  if (!patched.ok()) return statusError(422, "Invalid", patched.error().message());
  (*patched)["metadata"]["name"] = name;
  return store(resource, ns, std::move(*patched), false, 200);
}

Response ObjectApi::remove(const Request& req, const std::string& resource, const std::string& ns,
                           const std::string& name) {
  (void)req;
  store::Key key{resource, isNamespaced(resource) ? ns : "", name};
  auto current = store_.get(key);
  if (!current.ok()) return storeError(current.error(), resource, name);
  if (resource != "namespaces") {
    auto removed = store_.remove(key);
    if (!removed.ok()) return storeError(removed.error(), resource, name);
    return jsonResponse(200, removed->dump());
  }
  if (isSystemNamespace(name)) {
    return statusError(403, "Forbidden", "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
                       "namespaces", name);
  }
  // Terminating until its pods are gone (they are deleted gracefully, as the namespace controller does).
  json obj = *current;
  if (obj["status"].value("phase", "") != "Terminating") {
    obj["status"]["phase"] = "Terminating";
    obj["metadata"]["deletionTimestamp"] = formatRfc3339(WallClock::now());
    auto updated = store_.update(key, obj);
    if (!updated.ok()) return storeError(updated.error(), resource, name);
    obj = *updated;
  }
  for (const auto& pod : store_.list("pods", name)) deletePod_(name, pod["metadata"].value("name", ""));
  finishNamespaceIfEmpty(name);
  return jsonResponse(200, obj.dump());
}

void ObjectApi::finishNamespaceIfEmpty(const std::string& ns) {
  auto obj = store_.get({"namespaces", "", ns});
  if (!obj.ok() || (*obj)["status"].value("phase", "") != "Terminating") return;
  if (!store_.list("pods", ns).empty()) return;
  for (const char* r : {"configmaps", "secrets", "events"}) {
    for (const auto& o : store_.list(r, ns)) (void)store_.remove({r, ns, o["metadata"].value("name", "")});
  }
  if (auto r = store_.remove({"namespaces", "", ns}); !r.ok()) log::warn("remove namespace " + ns + ": " + r.error().message());
}

}  // namespace peapod::server
