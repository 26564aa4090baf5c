// ObjectSource: how the node reads the ConfigMaps and Secrets its pods consume (volumes, env),
// without depending on the store or the server (the kubelet's configMapManager/secretManager).
#pragma once

#include <map>
#include <string>

#include "base/result.h"

namespace peapod::node {

// Error::code() of a lookup whose object does not exist (as opposed to a store failure).
inline constexpr int kObjectNotFound = 404;

// key -> bytes. Secret values arrive decoded; a ConfigMap's binaryData is merged into its data.
using ObjectData = std::map<std::string, std::string>;

class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // The ConfigMap namespace/name; Error(kObjectNotFound) when there is none.
  virtual Result<ObjectData> configMap(const std::string& ns, const std::string& name) const = 0;
  // The Secret namespace/name; Error(kObjectNotFound) when there is none.
  virtual Result<ObjectData> secret(const std::string& ns, const std::string& name) const = 0;
};

// An ObjectSource over maps, for tests and for nodes without an API.
class MapObjectSource : public ObjectSource {
 public:
  std::map<std::string, ObjectData> configMaps, secrets;  // by "namespace/name"
  Result<ObjectData> configMap(const std::string& ns, const std::string& name) const override {
    return find(configMaps, ns, name, "configmap");
  }
  Result<ObjectData> secret(const std::string& ns, const std::string& name) const override {
    return find(secrets, ns, name, "secret");
  }

 private:
  static Result<ObjectData> find(const std::map<std::string, ObjectData>& m, const std::string& ns,
                                 const std::string& name, const char* kind) {
    auto it = m.find(ns + "/" + name);
    if (it == m.end()) return Error(std::string(kind) + " \"" + name + "\" not found", kObjectNotFound);
    return it->second;
  }
};

}  // namespace peapod::node
