// StoreObjectSource: the node's view of the ConfigMaps and Secrets in the object store (what the
// kubelet's configmap/secret managers fetch from the apiserver).
#pragma once

#include <string>

#include "node/object_source.h"
#include "store/object_store.h"

namespace peapod::server {

class StoreObjectSource : public node::ObjectSource {
 public:
  explicit StoreObjectSource(const store::ObjectStore& store) : store_(store) {}
  // data plus base64-decoded binaryData.
  Result<node::ObjectData> configMap(const std::string& ns, const std::string& name) const override;
  // data, base64-decoded (stringData is folded into data when the Secret is written).
  Result<node::ObjectData> secret(const std::string& ns, const std::string& name) const override;

 private:
  const store::ObjectStore& store_;
};

// Standard base64 (padding optional, whitespace ignored); error on other characters.
Result<std::string> decodeBase64(const std::string& in);

}  // namespace peapod::server
