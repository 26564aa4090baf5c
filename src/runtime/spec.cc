#include "runtime/spec.h"

namespace peapod::runtime {
namespace {

using nlohmann::json;

// Reads an optional field with the right type; a wrong type is an error naming the field.
template <class T>
Status get(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    return Error(std::string(key) + ": " + e.what());
  }
  return {};
}

Status requireObject(const json& j, const char* what) {
  if (!j.is_object()) return Error(std::string(what) + ": expected a JSON object");
  return {};
}

}  // namespace

json toJson(const SandboxSpec& s) {
  return json{{"podUid", s.podUid},         {"podName", s.podName},       {"podNamespace", s.podNamespace},
              {"hostname", s.hostname},     {"runDir", s.runDir},         {"cgroupParent", s.cgroupParent},
              {"cgroupRoot", s.cgroupRoot}, {"shmSizeBytes", s.shmSizeBytes}};
}

Result<SandboxSpec> sandboxSpecFromJson(const json& j) {
  PEAPOD_TRY(requireObject(j, "sandbox spec"));
  SandboxSpec s;
  PEAPOD_TRY(get(j, "podUid", s.podUid));
  PEAPOD_TRY(get(j, "podName", s.podName));
  PEAPOD_TRY(get(j, "podNamespace", s.podNamespace));
  PEAPOD_TRY(get(j, "hostname", s.hostname));
  PEAPOD_TRY(get(j, "runDir", s.runDir));
  PEAPOD_TRY(get(j, "cgroupParent", s.cgroupParent));
  PEAPOD_TRY(get(j, "cgroupRoot", s.cgroupRoot));
  PEAPOD_TRY(get(j, "shmSizeBytes", s.shmSizeBytes));
  if (s.runDir.empty() || s.runDir[0] != '/') return Error("sandbox spec: runDir must be an absolute path");
  if (s.cgroupParent.empty()) return Error("sandbox spec: cgroupParent is required");
  return s;
}

json toJson(const ContainerSpec& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts) mounts.push_back({{"source", m.source}, {"target", m.target}, {"readOnly", m.readOnly}});
  return json{{"name", s.name}, {"rootfsLayers", s.rootfsLayers}, {"args", s.args},   {"env", s.env},
              {"workingDir", s.workingDir}, {"uid", s.uid},       {"gid", s.gid},     {"mounts", mounts},
              {"logPath", s.logPath}};
}

Result<ContainerSpec> containerSpecFromJson(const json& j) {
  PEAPOD_TRY(requireObject(j, "container spec"));
  ContainerSpec s;
  PEAPOD_TRY(get(j, "name", s.name));
  PEAPOD_TRY(get(j, "rootfsLayers", s.rootfsLayers));
  PEAPOD_TRY(get(j, "args", s.args));
  PEAPOD_TRY(get(j, "env", s.env));
  PEAPOD_TRY(get(j, "workingDir", s.workingDir));
  PEAPOD_TRY(get(j, "uid", s.uid));
  PEAPOD_TRY(get(j, "gid", s.gid));
  PEAPOD_TRY(get(j, "logPath", s.logPath));
  if (auto it = j.find("mounts"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error("mounts: expected an array");
    for (const auto& m : *it) {
      PEAPOD_TRY(requireObject(m, "mounts[]"));
      BindMount b;
      PEAPOD_TRY(get(m, "source", b.source));
      PEAPOD_TRY(get(m, "target", b.target));
      PEAPOD_TRY(get(m, "readOnly", b.readOnly));
      s.mounts.push_back(std::move(b));
    }
  }
  if (s.workingDir.empty()) s.workingDir = "/";
  return s;
}

json toJson(const ContainerState& s) {
  return json{{"name", s.name},           {"pid", s.pid},
              {"running", s.running},     {"exitCode", s.exitCode},
              {"signal", s.signal},       {"startedAt", s.startedAt},
              {"finishedAt", s.finishedAt}, {"logPath", s.logPath},
              {"error", s.error}};
}

Result<ContainerState> containerStateFromJson(const json& j) {
  PEAPOD_TRY(requireObject(j, "container state"));
  ContainerState s;
  PEAPOD_TRY(get(j, "name", s.name));
  PEAPOD_TRY(get(j, "pid", s.pid));
  PEAPOD_TRY(get(j, "running", s.running));
  PEAPOD_TRY(get(j, "exitCode", s.exitCode));
  PEAPOD_TRY(get(j, "signal", s.signal));
  PEAPOD_TRY(get(j, "startedAt", s.startedAt));
  PEAPOD_TRY(get(j, "finishedAt", s.finishedAt));
  PEAPOD_TRY(get(j, "logPath", s.logPath));
  PEAPOD_TRY(get(j, "error", s.error));
  return s;
}

}  // namespace peapod::runtime
