#include "runtime/spec.h"

#include <cstring>

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

template <class T>
Status get(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  T v{};
  PEAPOD_TRY(get(j, key, v));
  out = std::move(v);
  return {};
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += i + 1 < n ? kB64[v >> 6 & 63] : '=';
    out += i + 2 < n ? kB64[v & 63] : '=';
  }
  return out;
}

Result<std::string> unbase64(const std::string& s) {
  if (s.size() % 4 != 0) return Error("bad base64 length");
  std::string out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = s[i + k];
      const char* pos = c == '=' ? nullptr : std::strchr(kB64, c);
      if (c == '=') ++pad;
      else if (!pos || c == '\0' || pad) return Error("bad base64");
      v = v << 6 | (pos ? static_cast<uint32_t>(pos - kB64) : 0);
    }
    out += static_cast<char>(v >> 16 & 255);
    if (pad < 2) out += static_cast<char>(v >> 8 & 255);
    if (pad < 1) out += static_cast<char>(v & 255);
  }
  return out;
}

Status requireObject(const json& j, const char* what) {
  if (!j.is_object()) return Error(std::string(what) + ": expected a JSON object");
  return {};
}

}  // namespace

json toJson(const SandboxSpec& s) {
  return json{{"podUid", s.podUid},         {"podName", s.podName},       {"podNamespace", s.podNamespace},
              {"hostname", s.hostname},     {"runDir", s.runDir},         {"cgroupParent", s.cgroupParent},
              {"cgroupRoot", s.cgroupRoot}, {"shmSizeBytes", s.shmSizeBytes}, {"hostNetwork", s.hostNetwork},
              {"hostIPC", s.hostIPC},       {"hostPID", s.hostPID},       {"sharePid", s.sharePid}, {"pidsLimit", s.pidsLimit}};
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
  PEAPOD_TRY(get(j, "hostNetwork", s.hostNetwork));
  PEAPOD_TRY(get(j, "hostIPC", s.hostIPC));
  PEAPOD_TRY(get(j, "hostPID", s.hostPID));
  PEAPOD_TRY(get(j, "sharePid", s.sharePid));
  PEAPOD_TRY(get(j, "pidsLimit", s.pidsLimit));
  if (s.hostPID && s.sharePid) return Error("sandbox spec: hostPID and sharePid are exclusive");
  if (s.runDir.empty() || s.runDir[0] != '/') return Error("sandbox spec: runDir must be an absolute path");
  if (s.cgroupParent.empty()) return Error("sandbox spec: cgroupParent is required");
  return s;
}

json toJson(const sys::CgroupLimits& l) {
  json j = json::object();
  if (l.memoryBytes) j["memoryBytes"] = *l.memoryBytes;
  if (l.cpuShares) j["cpuShares"] = *l.cpuShares;
  if (l.cpuQuotaUs) j["cpuQuotaUs"] = *l.cpuQuotaUs;
  if (l.cpuPeriodUs) j["cpuPeriodUs"] = *l.cpuPeriodUs;
  if (l.pidsMax) j["pidsMax"] = *l.pidsMax;
  return j;
}

Result<sys::CgroupLimits> cgroupLimitsFromJson(const json& j) {
  sys::CgroupLimits l;
  if (j.is_null()) return l;
  PEAPOD_TRY(requireObject(j, "cgroup limits"));
  PEAPOD_TRY(get(j, "memoryBytes", l.memoryBytes));
  PEAPOD_TRY(get(j, "cpuShares", l.cpuShares));
  PEAPOD_TRY(get(j, "cpuQuotaUs", l.cpuQuotaUs));
  PEAPOD_TRY(get(j, "cpuPeriodUs", l.cpuPeriodUs));
  PEAPOD_TRY(get(j, "pidsMax", l.pidsMax));
  return l;
}

json toJson(const ContainerSpec& s) {
  json mounts = json::array();
  for (const auto& m : s.mounts) {
    json jm{{"source", m.source}, {"target", m.target}, {"readOnly", m.readOnly}};
    if (!m.propagation.empty()) jm["propagation"] = m.propagation;
    mounts.push_back(std::move(jm));
  }
  json j{{"name", s.name}, {"rootfsLayers", s.rootfsLayers}, {"args", s.args},   {"env", s.env},
         {"workingDir", s.workingDir}, {"uid", s.uid},       {"gid", s.gid},     {"mounts", mounts},
         {"logPath", s.logPath}};
  // Security and resources: only what differs from the defaults, so a plain spec stays small.
  if (!s.user.empty()) j["user"] = s.user;
  if (!s.supplementalGroups.empty()) j["supplementalGroups"] = s.supplementalGroups;
  if (s.capabilities) j["capabilities"] = *s.capabilities;
  if (s.privileged) j["privileged"] = true;
  if (s.noNewPrivs) j["noNewPrivs"] = true;
  if (!s.seccomp.empty()) j["seccomp"] = s.seccomp;
  if (!s.seccompBpf.empty()) j["seccompBpf"] = base64(s.seccompBpf.data(), s.seccompBpf.size() * sizeof(sock_filter));
  if (s.readOnlyRootfs) j["readOnlyRootfs"] = true;
  if (s.stdin) j["stdin"] = true;
  if (s.stdinOnce) j["stdinOnce"] = true;
  if (s.tty) j["tty"] = true;
  if (!s.maskedPaths.empty()) j["maskedPaths"] = s.maskedPaths;
  if (!s.readonlyPaths.empty()) j["readonlyPaths"] = s.readonlyPaths;
  if (!s.resources.empty()) j["resources"] = toJson(s.resources);
  if (!s.podResources.empty()) j["podResources"] = toJson(s.podResources);
  if (!s.sysctls.empty()) j["sysctls"] = s.sysctls;
  return j;
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
  PEAPOD_TRY(get(j, "user", s.user));
  PEAPOD_TRY(get(j, "supplementalGroups", s.supplementalGroups));
  PEAPOD_TRY(get(j, "capabilities", s.capabilities));
  PEAPOD_TRY(get(j, "privileged", s.privileged));
  PEAPOD_TRY(get(j, "noNewPrivs", s.noNewPrivs));
  PEAPOD_TRY(get(j, "seccomp", s.seccomp));
  if (auto it = j.find("seccompBpf"); it != j.end() && it->is_string()) {
    auto raw = unbase64(it->get<std::string>());
    if (!raw.ok() || raw->size() % sizeof(sock_filter) != 0) return Error("seccompBpf: not a BPF program");
    s.seccompBpf.resize(raw->size() / sizeof(sock_filter));
    std::memcpy(s.seccompBpf.data(), raw->data(), raw->size());
  }
  PEAPOD_TRY(get(j, "readOnlyRootfs", s.readOnlyRootfs));
  PEAPOD_TRY(get(j, "stdin", s.stdin));
  PEAPOD_TRY(get(j, "stdinOnce", s.stdinOnce));
  PEAPOD_TRY(get(j, "tty", s.tty));
  PEAPOD_TRY(get(j, "maskedPaths", s.maskedPaths));
  PEAPOD_TRY(get(j, "readonlyPaths", s.readonlyPaths));
  PEAPOD_TRY(get(j, "sysctls", s.sysctls));
  if (auto r = j.find("resources"); r != j.end()) {
    auto l = cgroupLimitsFromJson(*r);
    if (!l.ok()) return std::move(l).error().wrap("resources");
    s.resources = *l;
  }
  if (auto r = j.find("podResources"); r != j.end()) {
    auto l = cgroupLimitsFromJson(*r);
    if (!l.ok()) return std::move(l).error().wrap("podResources");
    s.podResources = *l;
  }
  if (!s.seccomp.empty() && s.seccomp != "runtime/default" && s.seccomp != "unconfined" &&
      s.seccomp.rfind("localhost/", 0) != 0) {
    return Error("seccomp: unknown profile \"" + s.seccomp + "\"");
  }
  if (auto it = j.find("mounts"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error("mounts: expected an array");
    for (const auto& m : *it) {
      PEAPOD_TRY(requireObject(m, "mounts[]"));
      BindMount b;
      PEAPOD_TRY(get(m, "source", b.source));
      PEAPOD_TRY(get(m, "target", b.target));
      PEAPOD_TRY(get(m, "readOnly", b.readOnly));
      if (m.contains("propagation")) PEAPOD_TRY(get(m, "propagation", b.propagation));
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
              {"error", s.error},         {"oomKilled", s.oomKilled}};
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
  PEAPOD_TRY(get(j, "oomKilled", s.oomKilled));
  return s;
}

}  // namespace peapod::runtime
