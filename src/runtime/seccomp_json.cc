// Seccomp profile files in the OCI runtime-spec JSON form.
#include "runtime/seccomp_json.h"

#include <nlohmann/json.hpp>

namespace peapod::runtime {
namespace {

using nlohmann::json;

// A field of the expected type, or an error naming its path; absent and null leave `out` alone.
template <class T>
Status field(const json& j, const char* key, const std::string& path, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return Error(path + key + ": wrong type (" + std::string(it->type_name()) + ")");
  }
  return {};
}

template <class T>
Status field(const json& j, const char* key, const std::string& path, std::optional<T>& out) {
  if (!j.contains(key) || j[key].is_null()) return {};
  T v{};
  PEAPOD_TRY(field(j, key, path, v));
  out = v;
  return {};
}

Status parseArg(const json& j, const std::string& path, sys::SeccompArg& a) {
  if (!j.is_object()) return Error(path + ": expected an object");
  PEAPOD_TRY(field(j, "index", path + ".", a.index));
  PEAPOD_TRY(field(j, "value", path + ".", a.value));
  PEAPOD_TRY(field(j, "valueTwo", path + ".", a.valueTwo));
  PEAPOD_TRY(field(j, "op", path + ".", a.op));
  if (a.op.empty()) return Error(path + ".op: required");
  return {};
}

Status parseRule(const json& j, const std::string& path, sys::SeccompRule& r) {
  if (!j.is_object()) return Error(path + ": expected an object");
  PEAPOD_TRY(field(j, "names", path + ".", r.names));
  std::string name;  // Docker's older single-name form
  PEAPOD_TRY(field(j, "name", path + ".", name));
  if (!name.empty()) r.names.push_back(name);
  PEAPOD_TRY(field(j, "action", path + ".", r.action));
  if (r.action.empty()) return Error(path + ".action: required");
  PEAPOD_TRY(field(j, "errnoRet", path + ".", r.errnoRet));
  if (auto it = j.find("args"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error(path + ".args: expected an array");
    for (size_t i = 0; i < it->size(); ++i) {
      sys::SeccompArg a;
      PEAPOD_TRY(parseArg((*it)[i], path + ".args[" + std::to_string(i) + "]", a));
      r.args.push_back(std::move(a));
    }
  }
  return {};
}

}  // namespace

Result<sys::SeccompProfile> parseSeccompProfile(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("invalid JSON");
  if (!j.is_object()) return Error("expected a JSON object");
  sys::SeccompProfile p;
  PEAPOD_TRY(field(j, "defaultAction", "", p.defaultAction));
  if (p.defaultAction.empty()) return Error("defaultAction: required");
  PEAPOD_TRY(field(j, "defaultErrnoRet", "", p.defaultErrnoRet));
  PEAPOD_TRY(field(j, "architectures", "", p.architectures));
  if (auto it = j.find("archMap"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error("archMap: expected an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& m = (*it)[i];
      std::string path = "archMap[" + std::to_string(i) + "].";
      if (!m.is_object()) return Error(path + ": expected an object");
      std::string arch;
      std::vector<std::string> subs;
      PEAPOD_TRY(field(m, "architecture", path, arch));
      PEAPOD_TRY(field(m, "subArchitectures", path, subs));
      if (!arch.empty()) p.architectures.push_back(arch);
      p.architectures.insert(p.architectures.end(), subs.begin(), subs.end());
    }
  }
  if (auto it = j.find("syscalls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error("syscalls: expected an array");
    for (size_t i = 0; i < it->size(); ++i) {
      sys::SeccompRule r;
      PEAPOD_TRY(parseRule((*it)[i], "syscalls[" + std::to_string(i) + "]", r));
      p.syscalls.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace peapod::runtime
