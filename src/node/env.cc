#include "node/env.h"

#include <map>

#include "api/quantity.h"

namespace peapod::node {
namespace {

std::optional<std::string> lookupIn(const std::vector<std::string>& env, const std::string& name) {
  // The last definition wins, as in the map the kubelet builds.
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=') {
      return it->substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

// "metadata.labels['app']" -> {"metadata.labels", "app"}
bool splitSubscript(const std::string& path, std::string& base, std::string& key) {
  size_t open = path.find("['");
  if (open == std::string::npos || path.size() < open + 4 || path.compare(path.size() - 2, 2, "']") != 0) {
    return false;
  }
  base = path.substr(0, open);
  key = path.substr(open + 2, path.size() - open - 4);
  return true;
}

std::string joinIPs(const std::vector<api::PodIP>& ips, const std::string& fallback) {
  if (ips.empty()) return fallback;
  std::string out;
  for (const auto& ip : ips) out += (out.empty() ? "" : ",") + ip.ip;
  return out;
}

// The object behind an env source; nullopt when it is missing and optional (the variable is
// then left out, as the kubelet does).
Result<std::optional<ObjectData>> lookupObject(const NodeFacts& node, bool secret, const std::string& ns,
                                               const std::string& name, bool optional) {
  Result<ObjectData> r = Error(std::string(secret ? "secret" : "configmap") + " \"" + name + "\" not found",
                               kObjectNotFound);
  if (node.objects) r = secret ? node.objects->secret(ns, name) : node.objects->configMap(ns, name);
  if (r.ok()) return std::optional<ObjectData>(std::move(*r));
  if (r.error().code() == kObjectNotFound && optional) return std::optional<ObjectData>();
  return std::move(r).error();
}

// configMapKeyRef / secretKeyRef: the value, nullopt when optional and missing.
Result<std::optional<std::string>> keyRefValue(const api::Pod& pod, const NodeFacts& node, bool secret,
                                               const api::ConfigMapKeySelector& sel) {
  bool optional = sel.optional.value_or(false);
  PEAPOD_ASSIGN_OR_RETURN(auto obj, lookupObject(node, secret, pod.metadata.namespace_, sel.name, optional));
  if (!obj) return std::optional<std::string>();
  auto it = obj->find(sel.key);
  if (it != obj->end()) return std::optional<std::string>(it->second);
  if (optional) return std::optional<std::string>();
  return Error("couldn't find key " + sel.key + " in " + (secret ? "Secret " : "ConfigMap ") +
               pod.metadata.namespace_ + "/" + sel.name);
}

}  // namespace

std::string expandVars(const std::string& in,
                       const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  std::string out;
  size_t checkpoint = 0;
  for (size_t cur = 0; cur < in.size(); ++cur) {
    if (in[cur] != '$' || cur + 1 >= in.size()) continue;
    out.append(in, checkpoint, cur - checkpoint);
    char next = in[cur + 1];
    size_t advance = 1;
    if (next == '$') {
      out.push_back('$');
    } else if (next == '(') {
      size_t close = in.find(')', cur + 2);
      if (close == std::string::npos) {
        out.append("$(");
      } else {
        std::string name = in.substr(cur + 2, close - cur - 2);
        auto v = lookup(name);
        out.append(v ? *v : "$(" + name + ")");
        advance = close - cur;
      }
    } else {
      out.push_back('$');
      out.push_back(next);
    }
    cur += advance;
    checkpoint = cur + 1;
  }
  out.append(in, std::min(checkpoint, in.size()));
  return out;
}

Result<std::string> podFieldValue(const api::Pod& pod, const std::string& path) {
  std::string base, key;
  if (splitSubscript(path, base, key)) {
    const auto& m = base == "metadata.labels" ? pod.metadata.labels
                    : base == "metadata.annotations" ? pod.metadata.annotations
                                                     : api::StringMap{};
    if (base != "metadata.labels" && base != "metadata.annotations") return Error("unsupported fieldPath: " + path);
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
  }
  if (path == "metadata.name") return pod.metadata.name;
  if (path == "metadata.namespace") return pod.metadata.namespace_;
  if (path == "metadata.uid") return pod.metadata.uid;
  if (path == "spec.nodeName") return pod.spec.nodeName;
  if (path == "spec.serviceAccountName") return pod.spec.serviceAccountName;
  if (path == "status.hostIP") return pod.status.hostIP;
  if (path == "status.hostIPs") return joinIPs(pod.status.hostIPs, pod.status.hostIP);
  if (path == "status.podIP") return pod.status.podIP;
  if (path == "status.podIPs") return joinIPs(pod.status.podIPs, pod.status.podIP);
  return Error("unsupported fieldPath: " + path);
}

Result<std::string> resourceFieldValue(const api::Container& c, const api::ResourceFieldSelector& sel,
                                       const NodeFacts& node) {
  std::string kind, name;
  size_t dot = sel.resource.find('.');
  if (dot == std::string::npos) return Error("unsupported resource: " + sel.resource);
  kind = sel.resource.substr(0, dot);
  name = sel.resource.substr(dot + 1);
  const auto& list = kind == "limits" ? c.resources.limits : c.resources.requests;
  auto it = list.find(name);
  bool isCpu = name == "cpu";
  std::string divisor = sel.divisor ? sel.divisor->value : "1";
  if (isCpu) {
    // limits.cpu defaults to the node's allocatable CPU; requests default to 0 (kubelet).
    int64_t milli = it != list.end() ? api::quantityMilliValue(it->second).value_or(0)
                    : kind == "limits" ? node.cpuMillis
                                       : 0;
    int64_t div = api::quantityMilliValue(divisor).value_or(1000);
    if (div <= 0) return Error("invalid divisor " + divisor);
    return std::to_string((milli + div - 1) / div);
  }
  if (name != "memory" && name != "ephemeral-storage") return Error("unsupported resource: " + sel.resource);
  int64_t fallback = kind == "limits" ? (name == "memory" ? node.memoryBytes : node.ephemeralBytes) : 0;
  int64_t bytes = it != list.end() ? api::quantityValue(it->second).value_or(0) : fallback;
  int64_t div = api::quantityValue(divisor).value_or(1);
  if (div <= 0) return Error("invalid divisor " + divisor);
  return std::to_string((bytes + div - 1) / div);
}

std::vector<std::string> serviceEnv(const NodeFacts& n) {
  std::string host = n.kubernetesServiceHost, port = std::to_string(n.kubernetesServicePort);
  std::string url = "tcp://" + host + ":" + port;
  return {"KUBERNETES_SERVICE_HOST=" + host,
          "KUBERNETES_SERVICE_PORT=" + port,
          "KUBERNETES_SERVICE_PORT_HTTPS=" + port,
          "KUBERNETES_PORT=" + url,
          "KUBERNETES_PORT_" + port + "_TCP=" + url,
          "KUBERNETES_PORT_" + port + "_TCP_PROTO=tcp",
          "KUBERNETES_PORT_" + port + "_TCP_PORT=" + port,
          "KUBERNETES_PORT_" + port + "_TCP_ADDR=" + host};
}

Result<std::vector<std::string>> kubeletEnv(const api::Pod& pod, const api::Container& c, const NodeFacts& node) {
  std::vector<std::string> env = serviceEnv(node);
  for (const auto& from : c.envFrom) {
    if (!from.configMapRef && !from.secretRef) continue;  // refused by validation
    bool secret = !from.configMapRef && from.secretRef;
    const auto& ref = secret ? *from.secretRef : *from.configMapRef;
    PEAPOD_ASSIGN_OR_RETURN(auto obj, lookupObject(node, secret, pod.metadata.namespace_, ref.name,
                                                   ref.optional.value_or(false)));
    if (!obj) continue;
    for (const auto& [key, value] : *obj) {
      std::string name = from.prefix + key;
      // Keys that cannot be variable names are skipped (the kubelet also records an event).
      if (name.empty() || name.find('=') != std::string::npos) continue;
      env.push_back(name + "=" + value);
    }
  }
  for (const auto& e : c.env) {
    std::string value;
    if (e.valueFrom && (e.valueFrom->configMapKeyRef || e.valueFrom->secretKeyRef)) {
      bool secret = !e.valueFrom->configMapKeyRef;
      PEAPOD_ASSIGN_OR_RETURN(auto v, keyRefValue(pod, node, secret,
                                                  secret ? *e.valueFrom->secretKeyRef : *e.valueFrom->configMapKeyRef));
      if (!v) continue;  // optional and missing: not set at all
      value = std::move(*v);
    } else if (e.valueFrom && e.valueFrom->fieldRef) {
      PEAPOD_ASSIGN_OR_RETURN(value, podFieldValue(pod, e.valueFrom->fieldRef->fieldPath));
    } else if (e.valueFrom && e.valueFrom->resourceFieldRef) {
      const api::Container* target = &c;
      const auto& wanted = e.valueFrom->resourceFieldRef->containerName;
      if (!wanted.empty()) {
        for (const auto& other : pod.spec.containers) {
          if (other.name == wanted) target = &other;
        }
      }
      PEAPOD_ASSIGN_OR_RETURN(value, resourceFieldValue(*target, *e.valueFrom->resourceFieldRef, node));
    } else {
      value = expandVars(e.value, [&](const std::string& name) { return lookupIn(env, name); });
    }
    env.push_back(e.name + "=" + value);
  }
  return env;
}

std::vector<std::string> expandAll(const std::vector<std::string>& in, const std::vector<std::string>& env) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (const auto& s : in) out.push_back(expandVars(s, [&](const std::string& n) { return lookupIn(env, n); }));
  return out;
}

}  // namespace peapod::node
