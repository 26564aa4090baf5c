// Decoding of the Kubernetes protobuf envelope for the simple kinds kubectl's typed clients send
// that way ("k8s\0" + runtime.Unknown): Namespace, ConfigMap, Secret. kubectl 1.35 forces protobuf
// for built-in types (`kubectl create namespace|configmap|secret`) and does not fall back on 415.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::server {

bool isProtobufContentType(const std::string& contentType);

// The object as JSON; an error for kinds it does not know (the caller answers 415).
Result<nlohmann::json> decodeK8sProtobuf(const std::string& body);

}  // namespace peapod::server
