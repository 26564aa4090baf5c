// validatePod / validatePodUpdate: mirrors ValidatePodCreate and ValidatePodUpdate of Kubernetes.
#include "api/validation.h"

#include <arpa/inet.h>

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_detail.h"
#include "api/validation_names.h"

namespace peapod::api {

namespace {

using namespace validation_detail;

void validateLabels(Errors& errs, const StringMap& labels, const std::string& field) {
  for (const auto& [k, v] : labels) {
    invalidEach(errs, field, k, isQualifiedName(k));
    invalidEach(errs, field, v, isValidLabelValue(v));
  }
}

void validateAnnotations(Errors& errs, const StringMap& annotations, const std::string& field) {
  size_t total = 0;
  for (const auto& [k, v] : annotations) {
    std::string lower = k;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    invalidEach(errs, field, k, isQualifiedName(lower));
    total += k.size() + v.size();
  }
  constexpr size_t kMaxAnnotations = 256 * 1024;
  if (total > kMaxAnnotations)
    add(errs, T::TooLong, field, {}, "must have at most " + num(kMaxAnnotations) + " bytes");
}

void validateMeta(Errors& errs, const ObjectMeta& m) {
  if (!m.generateName.empty()) {
    // A generated name gets a random suffix, so a trailing '-' is fine (maskTrailingDash).
    std::string masked = m.generateName;
    if (masked.size() > 1 && masked.back() == '-') masked.back() = 'a';
    invalidEach(errs, "metadata.generateName", m.generateName, isDns1123Subdomain(masked));
  }
  if (m.name.empty()) {
    if (m.generateName.empty()) required(errs, "metadata.name", "name or generateName is required");
  } else {
    invalidEach(errs, "metadata.name", m.name, isDns1123Subdomain(m.name));
  }
  if (m.namespace_.empty()) {
    required(errs, "metadata.namespace");
  } else {
    invalidEach(errs, "metadata.namespace", m.namespace_, isDns1123Label(m.namespace_));
  }
  validateLabels(errs, m.labels, "metadata.labels");
  validateAnnotations(errs, m.annotations, "metadata.annotations");
}

std::set<std::string> validateVolumes(Errors& errs, const std::vector<Volume>& volumes) {
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Volume& v = volumes[i];
    std::string path = "spec.volumes[" + num(i) + "]";
    if (v.name.empty()) {
      required(errs, path + ".name");
    } else if (auto msgs = isDns1123Label(v.name); !msgs.empty()) {
      invalidEach(errs, path + ".name", v.name, msgs);
    } else if (names.contains(v.name)) {
      add(errs, T::Duplicate, path + ".name", quoteValue(v.name));
    } else {
      names.insert(v.name);
    }
    int sources = 0;
    if (v.emptyDir) ++sources;
    if (v.hostPath && sources++ > 0) {
      add(errs, T::Forbidden, path + ".hostPath", {}, "may not specify more than 1 volume type");
    } else if (v.hostPath) {
      const auto& h = *v.hostPath;
      if (h.path.empty()) {
        required(errs, path + ".hostPath.path");
      } else if (hasDotDot(h.path)) {
        add(errs, T::Invalid, path + ".hostPath.path", quoteValue(h.path), "must not contain '..'");
      }
      if (h.type) {
        static const std::vector<std::string> kTypes = {"",     "BlockDevice", "CharDevice",        "Directory",
                                                        "DirectoryOrCreate", "File", "FileOrCreate", "Socket"};
        bool ok = false;
        for (const auto& t : kTypes) ok = ok || t == *h.type;
        if (!ok) notSupported(errs, path + ".hostPath.type", *h.type, kTypes);
      }
    }
    sources = validateContentVolumeSources(errs, v, path, sources);
    if (sources == 0) required(errs, path, "must specify a volume type");
  }
  return names;
}

void validateContainer(Errors& errs, const Container& c, const std::string& path, std::set<std::string>& allNames,
                       const std::set<std::string>& volumes, bool init, std::optional<int64_t> grace) {
  if (c.name.empty()) {
    required(errs, path + ".name");
  } else if (auto msgs = isDns1123Label(c.name); !msgs.empty()) {
    invalidEach(errs, path + ".name", c.name, msgs);
  } else if (allNames.contains(c.name)) {
    add(errs, T::Duplicate, path + ".name", quoteValue(c.name));
  } else {
    allNames.insert(c.name);
  }
  if (c.image.empty()) required(errs, path + ".image");
  oneOf(errs, path + ".terminationMessagePolicy", c.terminationMessagePolicy, {"File", "FallbackToLogsOnError"});

  std::set<std::string> portNames;
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const ContainerPort& p = c.ports[i];
    std::string pp = path + ".ports[" + num(i) + "]";
    if (!p.name.empty()) {
      if (auto msgs = isValidPortName(p.name); !msgs.empty()) {
        invalidEach(errs, pp + ".name", p.name, msgs);
      } else if (portNames.contains(p.name)) {
        add(errs, T::Duplicate, pp + ".name", quoteValue(p.name));
      } else {
        portNames.insert(p.name);
      }
    }
    if (p.containerPort == 0) {
      required(errs, pp + ".containerPort");
    } else {
      for (const auto& m : isValidPortNum(p.containerPort))
        add(errs, T::Invalid, pp + ".containerPort", num(p.containerPort), m);
    }
    if (p.hostPort && *p.hostPort != 0) {
      for (const auto& m : isValidPortNum(*p.hostPort)) add(errs, T::Invalid, pp + ".hostPort", num(*p.hostPort), m);
    }
    oneOf(errs, pp + ".protocol", p.protocol, {"SCTP", "TCP", "UDP"});
  }

  for (size_t i = 0; i < c.env.size(); ++i) {
    std::string ep = path + ".env[" + num(i) + "]";
    if (c.env[i].name.empty()) required(errs, ep + ".name");
    if (c.env[i].valueFrom) validateEnvValueFrom(errs, c.env[i], ep + ".valueFrom");
  }
  validateEnvFrom(errs, c.envFrom, path + ".envFrom");

  std::set<std::string> mountPaths;
  for (size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const VolumeMount& m = c.volumeMounts[i];
    std::string mp = path + ".volumeMounts[" + num(i) + "]";
    if (m.name.empty()) {
      required(errs, mp + ".name");
    } else if (!volumes.contains(m.name)) {
      add(errs, T::NotFound, mp + ".name", quoteValue(m.name));
    }
    if (m.mountPath.empty()) {
      required(errs, mp + ".mountPath");
    } else if (mountPaths.contains(m.mountPath)) {
      add(errs, T::Invalid, mp + ".mountPath", quoteValue(m.mountPath), "must be unique");
    } else {
      mountPaths.insert(m.mountPath);
    }
    if (!m.subPath.empty()) {
      if (m.subPath.front() == '/')
        add(errs, T::Invalid, mp + ".subPath", quoteValue(m.subPath), "must be a relative path");
      if (hasDotDot(m.subPath))
        add(errs, T::Invalid, mp + ".subPath", quoteValue(m.subPath), "must not contain '..'");
    }
    validateMountExtras(errs, c, m, mp);
  }
  oneOf(errs, path + ".imagePullPolicy", c.imagePullPolicy, {"Always", "IfNotPresent", "Never"});
  validateResources(errs, c.resources, path + ".resources");
  if (c.securityContext) validateSecurityContext(errs, *c.securityContext, path + ".securityContext");
  validateContainerExtras(errs, c, path, init, grace);
}

// validation.IsValidIP; inet_pton only parses text (no system call).
void validIp(Errors& errs, const std::string& field, const std::string& ip) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1) return;
  add(errs, T::Invalid, field, quoteValue(ip), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
}

// Go's %#v of a []string, the bad value Kubernetes prints for whole lists.
std::string goStringSlice(const std::vector<std::string>& v) {
  std::string s = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + quoteValue(v[i]);
  return s + "}";
}

void validateDns(Errors& errs, const PodSpec& s) {
  const std::string path = "spec.dnsConfig";
  if (s.dnsPolicy == "None" && !s.dnsConfig)
    required(errs, path, "must provide `dnsConfig` when `dnsPolicy` is None");
  if (!s.dnsConfig) return;
  const PodDNSConfig& c = *s.dnsConfig;
  if (s.dnsPolicy == "None" && c.nameservers.empty())
    required(errs, path + ".nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None");
  if (c.nameservers.size() > 3)
    add(errs, T::Invalid, path + ".nameservers", goStringSlice(c.nameservers), "must not have more than 3 nameservers");
  for (size_t i = 0; i < c.nameservers.size(); ++i) validIp(errs, path + ".nameservers[" + num(i) + "]", c.nameservers[i]);
  if (c.searches.size() > 32)
    add(errs, T::Invalid, path + ".searches", goStringSlice(c.searches), "must not have more than 32 search paths");
  for (size_t i = 0; i < c.searches.size(); ++i) {
    std::string search = c.searches[i];
    if (search.size() > 1 && search.back() == '.') search.pop_back();  // a trailing dot is allowed
    invalidEach(errs, path + ".searches[" + num(i) + "]", search, isDns1123Subdomain(search));
  }
  for (size_t i = 0; i < c.options.size(); ++i)
    if (c.options[i].name.empty()) required(errs, path + ".options[" + num(i) + "]", "Option.Name must not be empty");
}

void validateHostAliases(Errors& errs, const std::vector<HostAlias>& aliases) {
  for (size_t i = 0; i < aliases.size(); ++i) {
    std::string path = "spec.hostAliases[" + num(i) + "]";
    validIp(errs, path + ".ip", aliases[i].ip);
    for (size_t j = 0; j < aliases[i].hostnames.size(); ++j)
      invalidEach(errs, path + ".hostnames[" + num(j) + "]", aliases[i].hostnames[j],
                  isDns1123Subdomain(aliases[i].hostnames[j]));
  }
}

void validateSpec(Errors& errs, const PodSpec& s) {
  std::set<std::string> volumes = validateVolumes(errs, s.volumes);
  if (s.securityContext) validatePodSecurityContext(errs, *s.securityContext, "spec.securityContext");
  std::set<std::string> names;
  if (s.containers.empty()) required(errs, "spec.containers");
  for (size_t i = 0; i < s.containers.size(); ++i)
    validateContainer(errs, s.containers[i], "spec.containers[" + num(i) + "]", names, volumes, false,
                      s.terminationGracePeriodSeconds);
  // Host ports may not collide between the pod's containers (checkHostPortConflicts).
  std::set<std::string> hostPorts;
  for (size_t ci = 0; ci < s.containers.size(); ++ci) {
    const auto& ports = s.containers[ci].ports;
    for (size_t pi = 0; pi < ports.size(); ++pi) {
      if (!ports[pi].hostPort || *ports[pi].hostPort == 0) continue;
      std::string key = ports[pi].protocol + "/" + ports[pi].hostIP + "/" + num(*ports[pi].hostPort);
      if (!hostPorts.insert(key).second)
        add(errs, T::Duplicate, "spec.containers[" + num(ci) + "].ports[" + num(pi) + "].hostPort", quoteValue(key));
    }
  }
  for (size_t i = 0; i < s.initContainers.size(); ++i)
    validateContainer(errs, s.initContainers[i], "spec.initContainers[" + num(i) + "]", names, volumes, true,
                      s.terminationGracePeriodSeconds);

  oneOf(errs, "spec.restartPolicy", s.restartPolicy, {"Always", "Never", "OnFailure"});
  oneOf(errs, "spec.dnsPolicy", s.dnsPolicy, {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"});
  if (s.terminationGracePeriodSeconds && *s.terminationGracePeriodSeconds < 0)
    add(errs, T::Invalid, "spec.terminationGracePeriodSeconds", num(*s.terminationGracePeriodSeconds),
        "must be greater than or equal to 0");
  if (s.activeDeadlineSeconds && (*s.activeDeadlineSeconds < 1 || *s.activeDeadlineSeconds > 2147483647))
    add(errs, T::Invalid, "spec.activeDeadlineSeconds", num(*s.activeDeadlineSeconds),
        inclusiveRangeError(1, 2147483647));
  if (!s.hostname.empty()) invalidEach(errs, "spec.hostname", s.hostname, isDns1123Label(s.hostname));
  if (!s.subdomain.empty()) invalidEach(errs, "spec.subdomain", s.subdomain, isDns1123Label(s.subdomain));
  if (!s.serviceAccountName.empty())
    invalidEach(errs, "spec.serviceAccountName", s.serviceAccountName, isDns1123Subdomain(s.serviceAccountName));
  if (!s.nodeName.empty()) invalidEach(errs, "spec.nodeName", s.nodeName, isDns1123Subdomain(s.nodeName));
  validateTolerations(errs, s.tolerations, "spec.tolerations");
  validateDns(errs, s);
  validateHostAliases(errs, s.hostAliases);
}

const char kUpdateForbidden[] =
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

void immutable(Errors& errs, const std::string& field, const std::string& now, const std::string& before) {
  if (now != before) add(errs, T::Invalid, field, quoteValue(now), "field is immutable");
}

}  // namespace

std::string quoteValue(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

std::string FieldError::toString() const { return field + ": " + body(); }

std::string FieldError::body() const {
  static const char* kNames[] = {"Required value", "Invalid value", "Duplicate value", "Unsupported value",
                                 "Forbidden",      "Too long",      "Not found"};
  std::string s = kNames[static_cast<int>(type)];
  // Required, Forbidden and TooLong never print the value (field.Error.ErrorBody).
  bool showValue = type != Type::Required && type != Type::Forbidden && type != Type::TooLong && !badValue.empty();
  if (showValue) s += ": " + badValue;
  if (!detail.empty()) s += ": " + detail;
  return s;
}

std::string FieldError::reason() const {
  static const char* kReasons[] = {"FieldValueRequired",  "FieldValueInvalid",   "FieldValueDuplicate",
                                   "FieldValueNotSupported", "FieldValueForbidden", "FieldValueTooLong",
                                   "FieldValueNotFound"};
  return kReasons[static_cast<int>(type)];
}

std::string joinFieldErrors(const std::vector<FieldError>& errors) {
  std::string s;
  for (const auto& e : errors) {
    if (!s.empty()) s += '\n';
    s += e.toString();
  }
  return s;
}

std::vector<FieldError> validatePod(const Pod& pod) {
  Errors errs;
  validateMeta(errs, pod.metadata);
  validateSpec(errs, pod.spec);
  return errs;
}

std::vector<FieldError> validatePodUpdate(const Pod& updated, const Pod& old) {
  Errors errs;
  const ObjectMeta& n = updated.metadata;
  const ObjectMeta& o = old.metadata;
  immutable(errs, "metadata.name", n.name, o.name);
  immutable(errs, "metadata.namespace", n.namespace_, o.namespace_);
  immutable(errs, "metadata.uid", n.uid, o.uid);
  immutable(errs, "metadata.creationTimestamp", n.creationTimestamp, o.creationTimestamp);
  validateLabels(errs, n.labels, "metadata.labels");
  validateAnnotations(errs, n.annotations, "metadata.annotations");

  // activeDeadlineSeconds may be set, or lowered, never raised or removed.
  const auto& na = updated.spec.activeDeadlineSeconds;
  const auto& oa = old.spec.activeDeadlineSeconds;
  if (na) {
    if (*na < 0 || *na > 2147483647) {
      add(errs, T::Invalid, "spec.activeDeadlineSeconds", num(*na), inclusiveRangeError(0, 2147483647));
      return errs;
    }
    if (oa && *oa < *na) {
      add(errs, T::Invalid, "spec.activeDeadlineSeconds", num(*na), "must be less than or equal to previous value");
      return errs;
    }
  } else if (oa) {
    add(errs, T::Invalid, "spec.activeDeadlineSeconds", "null", "must not update from a positive integer to nil value");
  }

  // Compare the specs with the mutable fields taken from the old pod.
  PodSpec munged = updated.spec;
  munged.activeDeadlineSeconds = old.spec.activeDeadlineSeconds;
  validateOnlyAddedTolerations(errs, updated.spec.tolerations, old.spec.tolerations, "spec.tolerations");
  validateTolerations(errs, updated.spec.tolerations, "spec.tolerations");
  munged.tolerations = old.spec.tolerations;
  if (munged.containers.size() == old.spec.containers.size())
    for (size_t i = 0; i < munged.containers.size(); ++i) munged.containers[i].image = old.spec.containers[i].image;
  if (munged.initContainers.size() == old.spec.initContainers.size())
    for (size_t i = 0; i < munged.initContainers.size(); ++i)
      munged.initContainers[i].image = old.spec.initContainers[i].image;
  // A negative grace period (from old clients) may be corrected to 1.
  if (old.spec.terminationGracePeriodSeconds && *old.spec.terminationGracePeriodSeconds < 0 &&
      munged.terminationGracePeriodSeconds == 1)
    munged.terminationGracePeriodSeconds = old.spec.terminationGracePeriodSeconds;
  if (!(munged == old.spec)) add(errs, T::Forbidden, "spec", {}, kUpdateForbidden);
  for (size_t i = 0; i < updated.spec.containers.size() && i < old.spec.containers.size(); ++i)
    if (updated.spec.containers[i].image.empty()) required(errs, "spec.containers[" + num(i) + "].image");
  return errs;
}

}  // namespace peapod::api
