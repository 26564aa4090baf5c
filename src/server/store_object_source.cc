#include "server/store_object_source.h"

namespace peapod::server {
namespace {

Result<nlohmann::json> lookup(const store::ObjectStore& store, const char* resource, const char* kind,
                              const std::string& ns, const std::string& name) {
  auto obj = store.get({resource, ns, name});
  if (obj.ok()) return obj;
  if (obj.error().code() == store::kNotFound) {
    return Error(std::string(kind) + " \"" + name + "\" not found", node::kObjectNotFound);
  }
  return std::move(obj).error();
}

Status addStrings(node::ObjectData& out, const nlohmann::json& map, bool base64, const std::string& what) {
  if (!map.is_object()) return {};
  for (const auto& [key, value] : map.items()) {
    if (!value.is_string()) continue;
    if (!base64) {
      out[key] = value.get<std::string>();
      continue;
    }
    auto decoded = decodeBase64(value.get<std::string>());
    if (!decoded.ok()) return std::move(decoded).error().wrap(what + " key " + key);
    out[key] = std::move(*decoded);
  }
  return {};
}

}  // namespace

Result<std::string> decodeBase64(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ') continue;
    else return Error("illegal base64 data");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

Result<node::ObjectData> StoreObjectSource::configMap(const std::string& ns, const std::string& name) const {
  PEAPOD_ASSIGN_OR_RETURN(nlohmann::json obj, lookup(store_, "configmaps", "configmap", ns, name));
  node::ObjectData out;
  PEAPOD_TRY(addStrings(out, obj.value("data", nlohmann::json::object()), false, "configmap " + name));
  PEAPOD_TRY(addStrings(out, obj.value("binaryData", nlohmann::json::object()), true, "configmap " + name));
  return out;
}

Result<node::ObjectData> StoreObjectSource::secret(const std::string& ns, const std::string& name) const {
  PEAPOD_ASSIGN_OR_RETURN(nlohmann::json obj, lookup(store_, "secrets", "secret", ns, name));
  node::ObjectData out;
  PEAPOD_TRY(addStrings(out, obj.value("data", nlohmann::json::object()), true, "secret " + name));
  // Written before the API folded stringData into data (or by hand): plain text wins, as on write.
  PEAPOD_TRY(addStrings(out, obj.value("stringData", nlohmann::json::object()), false, "secret " + name));
  return out;
}

}  // namespace peapod::server
