#include "server/patch.h"

#include <map>

namespace peapod::server {
namespace {

using nlohmann::json;

// patchMergeKey of list fields in core/v1 and metav1 (by field name; pods are what we patch).
const std::map<std::string, std::string>& mergeKeys() {
  static const std::map<std::string, std::string> keys = {
      {"containers", "name"},       {"initContainers", "name"},   {"ephemeralContainers", "name"},
      {"volumes", "name"},          {"env", "name"},              {"imagePullSecrets", "name"},
      {"ports", "containerPort"},   {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"},
      {"hostAliases", "ip"},        {"conditions", "type"},       {"ownerReferences", "uid"},
      {"topologySpreadConstraints", "topologyKey"}, {"resourceClaims", "name"}, {"schedulingGates", "name"},
      {"resizePolicy", "resourceName"}, {"podIPs", "ip"},
  };
  return keys;
}

bool isDirective(const std::string& k) { return !k.empty() && k[0] == '$'; }
bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// A patch value with its directives removed, for fields that did not exist before.
json strip(const json& v) {
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, x] : v.items()) {
      if (isDirective(k) || startsWith(k, "$setElementOrder/") || startsWith(k, "$deleteFromPrimitiveList/")) continue;
      if (x.is_null()) continue;
      out[k] = strip(x);
    }
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) {
      if (x.is_object() && x.value("$patch", "") == "delete") continue;
      if (x.is_object() && x.contains("$patch") && x.size() == 1) continue;
      out.push_back(strip(x));
    }
    return out;
  }
  return v;
}

bool keyEquals(const json& item, const std::string& key, const json& value) {
  return item.is_object() && item.contains(key) && item[key] == value;
}

json mergeList(const json& original, const json& patch, const std::string& key) {
  for (const auto& p : patch) {
    if (p.is_object() && p.value("$patch", "") == "replace") return strip(patch);
  }
  json out = original.is_array() ? original : json::array();
  for (const auto& p : patch) {
    if (!p.is_object() || !p.contains(key)) {
      if (!(p.is_object() && p.contains("$patch"))) out.push_back(strip(p));
      continue;
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const json& o) { return keyEquals(o, key, p[key]); });
    if (p.value("$patch", "") == "delete") {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      *it = strategicMerge(*it, p);
    } else {
      out.push_back(strip(p));
    }
  }
  return out;
}

// $setElementOrder: the listed items first in that order, the others after them as they were.
json reorder(const json& list, const json& order, const std::string& key) {
  if (!list.is_array() || !order.is_array()) return list;
  json out = json::array();
  std::vector<bool> used(list.size(), false);
  for (const auto& o : order) {
    for (size_t i = 0; i < list.size(); ++i) {
      bool same = key.empty() ? list[i] == o : (o.is_object() && o.contains(key) && keyEquals(list[i], key, o[key]));
      if (!used[i] && same) {
        out.push_back(list[i]);
        used[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!used[i]) out.push_back(list[i]);
  }
  return out;
}

}  // namespace

PatchType patchTypeOf(const std::string& contentType) {
  std::string ct = contentType.substr(0, contentType.find(';'));
  if (ct == "application/json-patch+json") return PatchType::kJson;
  if (ct == "application/merge-patch+json") return PatchType::kMerge;
  if (ct == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") return PatchType::kApply;
  return PatchType::kUnknown;
}

json strategicMerge(const json& original, const json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "replace") return strip(patch);
  if (patch.value("$patch", "") == "delete") return nullptr;
  json out = original.is_object() ? original : json::object();
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    json kept = json::object();
    for (const auto& k : patch["$retainKeys"]) {
      if (k.is_string() && out.contains(k.get<std::string>())) kept[k.get<std::string>()] = out[k.get<std::string>()];
    }
    out = std::move(kept);
  }
  for (const auto& [k, v] : patch.items()) {
    if (startsWith(k, "$deleteFromPrimitiveList/")) {
      std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
      if (out.contains(field) && out[field].is_array() && v.is_array()) {
        json kept = json::array();
        for (const auto& x : out[field]) {
          if (std::find(v.begin(), v.end(), x) == v.end()) kept.push_back(x);
        }
        out[field] = std::move(kept);
      }
      continue;
    }
    if (isDirective(k)) continue;  // $patch, $retainKeys, $setElementOrder (after the merge below)
    if (v.is_null()) {
      out.erase(k);
    } else if (v.is_object()) {
      json merged = strategicMerge(out.contains(k) ? out[k] : json(), v);
      if (merged.is_null()) out.erase(k);
      else out[k] = std::move(merged);
    } else if (v.is_array() && mergeKeys().count(k)) {
      out[k] = mergeList(out.contains(k) ? out[k] : json::array(), v, mergeKeys().at(k));
    } else {
      out[k] = strip(v);
    }
  }
  for (const auto& [k, v] : patch.items()) {
    if (!startsWith(k, "$setElementOrder/")) continue;
    std::string field = k.substr(std::string("$setElementOrder/").size());
    if (!out.contains(field)) continue;
    auto key = mergeKeys().find(field);
    out[field] = reorder(out[field], v, key == mergeKeys().end() ? "" : key->second);
  }
  return out;
}

Result<json> applyPatch(PatchType type, const json& original, const json& patch) {
  try {
    switch (type) {
      case PatchType::kJson: {
        if (!patch.is_array()) return Error("json patch must be an array of operations");
        return original.patch(patch);
      }
      case PatchType::kMerge:
      case PatchType::kApply: {
        json out = original;
        out.merge_patch(patch);
        return out;
      }
      case PatchType::kStrategic:
        if (!patch.is_object()) return Error("strategic merge patch must be a JSON object");
        return strategicMerge(original, patch);
      case PatchType::kUnknown: break;
    }
  } catch (const std::exception& e) {
    return Error(std::string("the server rejected our request due to an error in our request: ") + e.what());
  }
  return Error("unsupported patch type");
}

}  // namespace peapod::server
