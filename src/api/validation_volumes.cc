// Validation of volume sources, volume mount extras (subPathExpr, mountPropagation) and the
// ConfigMap/Secret env sources, with Kubernetes' field paths and messages
// (pkg/apis/core/validation: validateVolumeSource, validateKeyToPath, ValidateEnvFrom...).
#include <cctype>
#include <set>

#include "api/quantity.h"
#include "api/validation_detail.h"
#include "api/validation_names.h"

namespace peapod::api::validation_detail {
namespace {

const char* kFileModeError = "must be a number between 0 and 0777 (octal), both inclusive";

void checkMode(Errors& errs, const std::string& field, const std::optional<int32_t>& mode) {
  if (mode && (*mode > 0777 || *mode < 0)) add(errs, T::Invalid, field, num(*mode), kFileModeError);
}

// ValidateLocalNonReservedPath: relative, no "..", not starting with ".." (the atomic writer's
// own entries, "..data" and the timestamped dirs, live there).
void localNonReservedPath(Errors& errs, const std::string& field, const std::string& p) {
  localDescendingPath(errs, field, p);
  if (p.starts_with("..") && !p.starts_with("../"))
    add(errs, T::Invalid, field, quoteValue(p), "must not start with '..'");
}

void validateKeyToPath(Errors& errs, const KeyToPath& kp, const std::string& path) {
  if (kp.key.empty()) required(errs, path + ".key");
  if (kp.path.empty()) required(errs, path + ".path");
  localNonReservedPath(errs, path + ".path", kp.path);
  checkMode(errs, path + ".mode", kp.mode);
}

// validVolumeDownwardAPIFieldPathExpressions: whole label/annotation maps are allowed in files.
const std::vector<std::string> kVolumeFieldPaths = {"metadata.annotations", "metadata.labels", "metadata.name",
                                                    "metadata.namespace", "metadata.uid"};
const std::vector<std::string> kVolumeResources = {"limits.cpu",   "limits.ephemeral-storage",   "limits.memory",
                                                   "requests.cpu", "requests.ephemeral-storage", "requests.memory"};

void validateDownwardFile(Errors& errs, const DownwardAPIVolumeFile& f, const std::string& path) {
  if (f.path.empty()) required(errs, path + ".path");
  localNonReservedPath(errs, path + ".path", f.path);
  if (f.fieldRef) {
    const auto& r = *f.fieldRef;
    std::string rp = path + ".fieldRef";
    if (r.apiVersion.empty()) required(errs, rp + ".apiVersion");
    if (r.fieldPath.empty()) {
      required(errs, rp + ".fieldPath");
    } else {
      bool subscript = false;
      for (std::string prefix : {"metadata.labels['", "metadata.annotations['"}) {
        if (r.fieldPath.starts_with(prefix) && r.fieldPath.ends_with("']")) {
          subscript = true;
          std::string key = r.fieldPath.substr(prefix.size(), r.fieldPath.size() - prefix.size() - 2);
          invalidEach(errs, rp + ".fieldPath", key, isQualifiedName(key));
        }
      }
      bool ok = subscript;
      for (const auto& p : kVolumeFieldPaths) ok = ok || p == r.fieldPath;
      if (!ok) notSupported(errs, rp + ".fieldPath", r.fieldPath, kVolumeFieldPaths);
    }
    if (f.resourceFieldRef)
      add(errs, T::Invalid, path, quoteValue("resource"), "fieldRef and resourceFieldRef can not be specified simultaneously");
  } else if (f.resourceFieldRef) {
    const auto& r = *f.resourceFieldRef;
    std::string rp = path + ".resourceFieldRef";
    if (r.containerName.empty()) required(errs, rp + ".containerName");
    if (r.resource.empty()) {
      required(errs, rp + ".resource");
    } else {
      bool ok = false;
      for (const auto& s : kVolumeResources) ok = ok || s == r.resource;
      if (!ok) notSupported(errs, rp + ".resource", r.resource, kVolumeResources);
    }
  } else {
    required(errs, path, "one of fieldRef and resourceFieldRef is required");
  }
  checkMode(errs, path + ".mode", f.mode);
}

void validateProjected(Errors& errs, const ProjectedVolumeSource& p, const std::string& path) {
  checkMode(errs, path + ".defaultMode", p.defaultMode);
  std::set<std::string> paths;
  auto claim = [&](const std::string& file, const std::string& bad) {
    if (file.empty()) return;
    if (!paths.insert(file).second) add(errs, T::Invalid, path, quoteValue(bad), "conflicting duplicate paths");
  };
  for (size_t i = 0; i < p.sources.size(); ++i) {
    const auto& s = p.sources[i];
    std::string sp = path + ".sources[" + num(i) + "]";
    int sources = 0;
    for (auto [src, key] : {std::pair{&s.secret, "secret"}, std::pair{&s.configMap, "configMap"}}) {
      if (!*src) continue;
      ++sources;
      std::string pp = sp + "." + key;
      if ((*src)->name.empty()) required(errs, pp + ".name");
      for (size_t j = 0; j < (*src)->items.size(); ++j) {
        validateKeyToPath(errs, (*src)->items[j], pp + ".items[" + num(j) + "]");
        claim((*src)->items[j].path, (*src)->name);
      }
    }
    if (s.downwardAPI) {
      ++sources;
      for (const auto& f : s.downwardAPI->items) {
        validateDownwardFile(errs, f, sp + ".downwardAPI");
        claim(f.path, f.path);
      }
    }
    if (s.serviceAccountToken) {
      ++sources;
      const auto& t = *s.serviceAccountToken;
      std::string tp = sp + ".serviceAccountToken";
      if (t.expirationSeconds && *t.expirationSeconds < 600)
        add(errs, T::Invalid, tp + ".expirationSeconds", num(*t.expirationSeconds),
            "may not specify a duration less than 10 minutes");
      if (t.path.empty()) required(errs, tp + ".path");
      localNonReservedPath(errs, tp + ".path", t.path);
      claim(t.path, t.path);
    }
    if (sources > 1) forbidden(errs, sp, "may not specify more than 1 volume type per source");
  }
}

// ValidateConfigMapName / ValidateSecretName: a DNS subdomain.
void objectName(Errors& errs, const std::string& field, const std::string& name) {
  if (name.empty()) return required(errs, field);
  invalidEach(errs, field, name, isDns1123Subdomain(name));
}

}  // namespace

bool hasDotDot(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

void localDescendingPath(Errors& errs, const std::string& field, const std::string& p) {
  if (!p.empty() && p.front() == '/') add(errs, T::Invalid, field, quoteValue(p), "must be a relative path");
  if (hasDotDot(p)) add(errs, T::Invalid, field, quoteValue(p), "must not contain '..'");
}

int validateContentVolumeSources(Errors& errs, const Volume& v, const std::string& path, int sources) {
  // Like Kubernetes, a second source is reported and not validated further.
  auto claim = [&](const char* key) {
    if (sources++ == 0) return true;
    forbidden(errs, path + "." + key, "may not specify more than 1 volume type");
    return false;
  };
  if (v.secret && claim("secret")) {
    if (v.secret->secretName.empty()) required(errs, path + ".secret.secretName");
    checkMode(errs, path + ".secret.defaultMode", v.secret->defaultMode);
    for (size_t i = 0; i < v.secret->items.size(); ++i)
      validateKeyToPath(errs, v.secret->items[i], path + ".secret.items[" + num(i) + "]");
  }
  if (v.downwardAPI && claim("downwardAPI")) {
    checkMode(errs, path + ".downwardAPI.defaultMode", v.downwardAPI->defaultMode);
    for (size_t i = 0; i < v.downwardAPI->items.size(); ++i)
      validateDownwardFile(errs, v.downwardAPI->items[i], path + ".downwardAPI.items[" + num(i) + "]");
  }
  if (v.projected && claim("projected")) {
    validateProjected(errs, *v.projected, path + ".projected");
  }
  if (v.configMap && claim("configMap")) {
    if (v.configMap->name.empty()) required(errs, path + ".configMap.name");
    checkMode(errs, path + ".configMap.defaultMode", v.configMap->defaultMode);
    for (size_t i = 0; i < v.configMap->items.size(); ++i)
      validateKeyToPath(errs, v.configMap->items[i], path + ".configMap.items[" + num(i) + "]");
  }
  return sources;
}

void validateMountExtras(Errors& errs, const Container& c, const VolumeMount& m, const std::string& path) {
  if (!m.subPathExpr.empty()) {
    if (!m.subPath.empty())
      add(errs, T::Invalid, path + ".subPathExpr", quoteValue(m.subPathExpr),
          "subPathExpr and subPath are mutually exclusive");
    localDescendingPath(errs, path + ".subPathExpr", m.subPathExpr);
  }
  if (m.mountPropagation) {
    const std::string& p = *m.mountPropagation;
    if (p != "Bidirectional" && p != "HostToContainer" && p != "None") {
      notSupported(errs, path + ".mountPropagation", p, {"Bidirectional", "HostToContainer", "None"});
    }
    bool privileged = c.securityContext && c.securityContext->privileged.value_or(false);
    if (p == "Bidirectional" && !privileged)
      forbidden(errs, path + ".mountPropagation", "Bidirectional mount propagation is available only to privileged containers");
  }
}

void validateKeySelector(Errors& errs, const ConfigMapKeySelector& s, const std::string& path) {
  invalidEach(errs, path + ".name", s.name, isDns1123Subdomain(s.name));
  if (s.key.empty()) return required(errs, path + ".key");
  invalidEach(errs, path + ".key", s.key, isConfigMapKey(s.key));
}

void validateEnvFrom(Errors& errs, const std::vector<EnvFromSource>& list, const std::string& path) {
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& e = list[i];
    std::string ip = path + "[" + num(i) + "]";
    int sources = 0;
    if (e.configMapRef) {
      ++sources;
      objectName(errs, ip + ".configMapRef.name", e.configMapRef->name);
    }
    if (e.secretRef) {
      ++sources;
      objectName(errs, ip + ".secretRef.name", e.secretRef->name);
    }
    if (sources == 0) {
      add(errs, T::Invalid, path, quoteValue(""), "must specify one of: `configMapRef` or `secretRef`");
    } else if (sources > 1) {
      add(errs, T::Invalid, path, quoteValue(""), "may not have more than one field specified at a time");
    }
  }
}

std::vector<std::string> isConfigMapKey(std::string_view key) {
  std::vector<std::string> msgs;
  if (key.size() > 253) msgs.push_back(maxLenError(253));
  bool ok = !key.empty();
  for (char ch : key) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.');
  }
  if (!ok) {
    msgs.push_back("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
                   "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key == ".") msgs.push_back("must not be '.'");
  else if (key == "..") msgs.push_back("must not be '..'");
  else if (key.starts_with("..")) msgs.push_back("must not start with '..'");
  return msgs;
}

}  // namespace peapod::api::validation_detail
