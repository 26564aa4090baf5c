#include "node/volume_payload.h"

#include <cstdio>

namespace peapod::node {
namespace {

// Go's %q for the strings labels and annotations hold.
std::string goQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", ch);
          out += buf;
        } else {
          out.push_back(static_cast<char>(ch));
        }
    }
  }
  return out + "\"";
}

// ConfigMap or Secret keys into files: all keys, or only `items` (each with its own path/mode).
Result<Payload> keysPayload(const api::Pod& pod, const NodeFacts& node, bool secret, const std::string& name,
                            const std::vector<api::KeyToPath>& items, bool optional, mode_t defaultMode) {
  const char* kind = secret ? "secret" : "configmap";
  Result<ObjectData> obj = Error(std::string(kind) + " \"" + name + "\" not found", kObjectNotFound);
  if (node.objects) obj = secret ? node.objects->secret(pod.metadata.namespace_, name)
                                 : node.objects->configMap(pod.metadata.namespace_, name);
  Payload out;
  if (!obj.ok()) {
    if (obj.error().code() == kObjectNotFound && optional) return out;
    return std::move(obj).error();
  }
  if (items.empty()) {
    for (const auto& [key, value] : *obj) out[key] = FileProjection{value, defaultMode};
    return out;
  }
  for (const auto& item : items) {
    auto it = obj->find(item.key);
    if (it == obj->end()) {
      if (optional) continue;
      return Error(secret ? "references non-existent secret key: " + item.key
                          : "configmap references non-existent config key: " + item.key);
    }
    out[item.path] = FileProjection{it->second, item.mode ? static_cast<mode_t>(*item.mode) : defaultMode};
  }
  return out;
}

Result<std::string> downwardValue(const api::Pod& pod, const api::DownwardAPIVolumeFile& f, const NodeFacts& node) {
  if (f.fieldRef) {
    const std::string& p = f.fieldRef->fieldPath;
    if (p == "metadata.labels") return formatMap(pod.metadata.labels);
    if (p == "metadata.annotations") return formatMap(pod.metadata.annotations);
    return podFieldValue(pod, p);
  }
  if (f.resourceFieldRef) {
    for (const auto* list : {&pod.spec.containers, &pod.spec.initContainers}) {
      for (const auto& c : *list) {
        if (c.name == f.resourceFieldRef->containerName) return resourceFieldValue(c, *f.resourceFieldRef, node);
      }
    }
    return Error("container \"" + f.resourceFieldRef->containerName + "\" not found in pod");
  }
  return Error("downwardAPI item \"" + f.path + "\" has no source");
}

Status addDownward(Payload& out, const api::Pod& pod, const std::vector<api::DownwardAPIVolumeFile>& items,
                   const NodeFacts& node, mode_t defaultMode) {
  for (const auto& f : items) {
    PEAPOD_ASSIGN_OR_RETURN(std::string value, downwardValue(pod, f, node));
    out[f.path] = FileProjection{std::move(value), f.mode ? static_cast<mode_t>(*f.mode) : defaultMode};
  }
  return {};
}

mode_t modeOf(const std::optional<int32_t>& m) { return m ? static_cast<mode_t>(*m) : 0644; }

}  // namespace

bool isContentVolume(const api::Volume& v) { return v.configMap || v.secret || v.downwardAPI || v.projected; }

bool usesPodMetadata(const api::Volume& v) {
  if (v.downwardAPI) return true;
  if (v.projected) {
    for (const auto& s : v.projected->sources) {
      if (s.downwardAPI) return true;
    }
  }
  return false;
}

std::string formatMap(const api::StringMap& m) {
  std::string out;
  for (const auto& [k, v] : m) out += k + "=" + goQuote(v) + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

Result<Payload> volumePayload(const api::Pod& pod, const api::Volume& v, const NodeFacts& node) {
  if (v.configMap) {
    const auto& s = *v.configMap;
    return keysPayload(pod, node, false, s.name, s.items, s.optional.value_or(false), modeOf(s.defaultMode));
  }
  if (v.secret) {
    const auto& s = *v.secret;
    return keysPayload(pod, node, true, s.secretName, s.items, s.optional.value_or(false), modeOf(s.defaultMode));
  }
  Payload out;
  if (v.downwardAPI) {
    PEAPOD_TRY(addDownward(out, pod, v.downwardAPI->items, node, modeOf(v.downwardAPI->defaultMode)));
    return out;
  }
  if (v.projected) {
    mode_t mode = modeOf(v.projected->defaultMode);
    for (const auto& src : v.projected->sources) {
      if (src.configMap || src.secret) {
        bool secret = !src.configMap;
        const auto& p = secret ? *src.secret : *src.configMap;
        PEAPOD_ASSIGN_OR_RETURN(Payload part,
                                keysPayload(pod, node, secret, p.name, p.items, p.optional.value_or(false), mode));
        out.merge(part);
      } else if (src.downwardAPI) {
        PEAPOD_TRY(addDownward(out, pod, src.downwardAPI->items, node, mode));
      }
      // serviceAccountToken: this node has no token issuer; the path stays absent.
    }
    return out;
  }
  return Error("volume \"" + v.name + "\" has no content source");
}

}  // namespace peapod::node
