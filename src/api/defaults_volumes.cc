// Defaulting of the content volume sources (SetDefaults_ConfigMapVolumeSource and friends).
#include "api/defaults.h"

namespace peapod::api {
namespace {

constexpr int32_t kDefaultMode = 0644;  // 420, what `kubectl get -o yaml` shows

void setItemDefaults(std::vector<DownwardAPIVolumeFile>& items) {
  for (auto& f : items) {
    if (f.fieldRef && f.fieldRef->apiVersion.empty()) f.fieldRef->apiVersion = "v1";
  }
}

}  // namespace

void setVolumeSourceDefaults(Volume& v) {
  if (v.configMap && !v.configMap->defaultMode) v.configMap->defaultMode = kDefaultMode;
  if (v.secret && !v.secret->defaultMode) v.secret->defaultMode = kDefaultMode;
  if (v.downwardAPI) {
    if (!v.downwardAPI->defaultMode) v.downwardAPI->defaultMode = kDefaultMode;
    setItemDefaults(v.downwardAPI->items);
  }
  if (v.projected) {
    if (!v.projected->defaultMode) v.projected->defaultMode = kDefaultMode;
    for (auto& s : v.projected->sources) {
      if (s.downwardAPI) setItemDefaults(s.downwardAPI->items);
      if (s.serviceAccountToken && !s.serviceAccountToken->expirationSeconds)
        s.serviceAccountToken->expirationSeconds = 3600;
    }
  }
}

}  // namespace peapod::api
