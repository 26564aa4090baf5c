// Container-level validation beyond names and ports: probes, lifecycle hooks, env sources,
// sidecar rules and tolerations (pkg/apis/core/validation: validateProbe, validateHandler...).
#include <set>

#include "api/quantity.h"
#include "api/validation_detail.h"
#include "api/validation_names.h"

namespace peapod::api::validation_detail {

void invalidEach(Errors& errs, const std::string& field, std::string_view value, const std::vector<std::string>& msgs) {
  for (const auto& m : msgs) add(errs, T::Invalid, field, quoteValue(value), m);
}

void notSupported(Errors& errs, std::string field, std::string_view value, std::vector<std::string> supported) {
  std::string detail = "supported values: ";
  for (size_t i = 0; i < supported.size(); ++i) detail += (i ? ", " : "") + quoteValue(supported[i]);
  add(errs, T::NotSupported, std::move(field), quoteValue(value), std::move(detail));
}

void oneOf(Errors& errs, const std::string& field, const std::string& value, std::vector<std::string> supported) {
  if (value.empty()) return required(errs, field);
  for (const auto& s : supported)
    if (s == value) return;
  notSupported(errs, field, value, std::move(supported));
}

void nonNegative(Errors& errs, const std::string& field, int64_t value) {
  if (value < 0) add(errs, T::Invalid, field, num(value), "must be greater than or equal to 0");
}

namespace {

// ValidatePortNumOrName.
void validatePortNumOrName(Errors& errs, const IntOrString& port, const std::string& path) {
  if (port.isString) {
    invalidEach(errs, path, port.strVal, isValidPortName(port.strVal));
  } else {
    for (const auto& m : isValidPortNum(port.intVal)) add(errs, T::Invalid, path, num(port.intVal), m);
  }
}

void validateHttpGet(Errors& errs, const HTTPGetAction& h, const std::string& path) {
  if (h.path.empty()) required(errs, path + ".path");
  validatePortNumOrName(errs, h.port, path + ".port");
  if (h.scheme != "HTTP" && h.scheme != "HTTPS") notSupported(errs, path + ".scheme", h.scheme, {"HTTP", "HTTPS"});
  for (size_t i = 0; i < h.httpHeaders.size(); ++i)
    if (h.httpHeaders[i].name.empty()) required(errs, path + ".httpHeaders[" + num(i) + "].name");
}

// validateHandler: exactly one of the actions, each checked.
struct Handler {
  const std::optional<ExecAction>* exec = nullptr;
  const std::optional<HTTPGetAction>* httpGet = nullptr;
  const std::optional<TCPSocketAction>* tcpSocket = nullptr;
  const std::optional<GRPCAction>* grpc = nullptr;
  const std::optional<SleepAction>* sleep = nullptr;
};

void validateHandler(Errors& errs, const Handler& h, const std::string& path, std::optional<int64_t> gracePeriod) {
  int handlers = 0;
  auto claim = [&](const char* name) {
    if (handlers > 0) {
      forbidden(errs, path + "." + name, "may not specify more than 1 handler type");
      return false;
    }
    ++handlers;
    return true;
  };
  if (h.exec && h.exec->has_value() && claim("exec")) {
    if ((*h.exec)->command.empty()) required(errs, path + ".exec.command");
  }
  if (h.httpGet && h.httpGet->has_value() && claim("httpGet")) validateHttpGet(errs, **h.httpGet, path + ".httpGet");
  if (h.tcpSocket && h.tcpSocket->has_value() && claim("tcpSocket"))
    validatePortNumOrName(errs, (*h.tcpSocket)->port, path + ".tcpSocket.port");
  if (h.grpc && h.grpc->has_value() && claim("grpc")) {
    for (const auto& m : isValidPortNum((*h.grpc)->port))
      add(errs, T::Invalid, path + ".grpc.port", num((*h.grpc)->port), m);
  }
  if (h.sleep && h.sleep->has_value() && claim("sleep")) {
    int64_t s = (*h.sleep)->seconds;
    int64_t grace = gracePeriod.value_or(30);
    if (s <= 0 || s > grace)
      add(errs, T::Invalid, path + ".sleep.seconds", num(s),
          "must be greater than 0 and less than terminationGracePeriodSeconds (" + num(grace) + ")");
  }
  if (handlers == 0) required(errs, path, "must specify a handler type");
}

const std::vector<std::string> kEnvFieldPaths = {
    "metadata.name",   "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
    "status.hostIP",   "status.hostIPs",     "status.podIP", "status.podIPs"};

const std::vector<std::string> kEnvResources = {"limits.cpu",      "limits.ephemeral-storage", "limits.memory",
                                                "requests.cpu",    "requests.ephemeral-storage",
                                                "requests.memory"};

void validateFieldRef(Errors& errs, const ObjectFieldSelector& f, const std::string& path) {
  if (f.apiVersion.empty()) required(errs, path + ".apiVersion");
  if (f.fieldPath.empty()) return required(errs, path + ".fieldPath");
  // metadata.labels['key'] and metadata.annotations['key'] select one entry.
  for (std::string prefix : {"metadata.labels['", "metadata.annotations['"}) {
    if (f.fieldPath.starts_with(prefix) && f.fieldPath.ends_with("']")) {
      std::string key = f.fieldPath.substr(prefix.size(), f.fieldPath.size() - prefix.size() - 2);
      invalidEach(errs, path + ".fieldPath", key, isQualifiedName(key));
      return;
    }
  }
  for (const auto& p : kEnvFieldPaths)
    if (p == f.fieldPath) return;
  notSupported(errs, path + ".fieldPath", f.fieldPath, kEnvFieldPaths);
}

}  // namespace

void validateProbe(Errors& errs, const Probe& p, const std::string& path, std::optional<int64_t> gracePeriod) {
  validateHandler(errs, Handler{&p.exec, &p.httpGet, &p.tcpSocket, &p.grpc, nullptr}, path, gracePeriod);
  nonNegative(errs, path + ".initialDelaySeconds", p.initialDelaySeconds);
  nonNegative(errs, path + ".timeoutSeconds", p.timeoutSeconds);
  nonNegative(errs, path + ".periodSeconds", p.periodSeconds);
  nonNegative(errs, path + ".successThreshold", p.successThreshold);
  nonNegative(errs, path + ".failureThreshold", p.failureThreshold);
  if (p.terminationGracePeriodSeconds && *p.terminationGracePeriodSeconds <= 0)
    add(errs, T::Invalid, path + ".terminationGracePeriodSeconds", num(*p.terminationGracePeriodSeconds),
        "must be greater than 0");
}

void validateLifecycle(Errors& errs, const Lifecycle& lc, const std::string& path, std::optional<int64_t> grace) {
  if (lc.postStart) {
    const auto& h = *lc.postStart;
    validateHandler(errs, Handler{&h.exec, &h.httpGet, &h.tcpSocket, nullptr, &h.sleep}, path + ".postStart", grace);
  }
  if (lc.preStop) {
    const auto& h = *lc.preStop;
    validateHandler(errs, Handler{&h.exec, &h.httpGet, &h.tcpSocket, nullptr, &h.sleep}, path + ".preStop", grace);
  }
}

void validateEnvValueFrom(Errors& errs, const EnvVar& ev, const std::string& path) {
  const EnvVarSource& src = *ev.valueFrom;
  int sources = 0;
  if (src.fieldRef) {
    ++sources;
    validateFieldRef(errs, *src.fieldRef, path + ".fieldRef");
  }
  if (src.resourceFieldRef) {
    ++sources;
    const auto& r = *src.resourceFieldRef;
    std::string rp = path + ".resourceFieldRef";
    if (r.resource.empty()) {
      required(errs, rp + ".resource");
    } else {
      bool ok = false;
      for (const auto& s : kEnvResources) ok = ok || s == r.resource;
      if (!ok) notSupported(errs, rp + ".resource", r.resource, kEnvResources);
    }
  }
  if (src.configMapKeyRef) {
    ++sources;
    validateKeySelector(errs, *src.configMapKeyRef, path + ".configMapKeyRef");
  }
  if (src.secretKeyRef) {
    ++sources;
    validateKeySelector(errs, *src.secretKeyRef, path + ".secretKeyRef");
  }
  if (sources == 0) {
    add(errs, T::Invalid, path, quoteValue(""),
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
  } else if (!ev.value.empty()) {
    add(errs, T::Invalid, path, quoteValue(""), "may not be specified when `value` is not empty");
  } else if (sources > 1) {
    add(errs, T::Invalid, path, quoteValue(""), "may not have more than one field specified at a time");
  }
}

void validateContainerExtras(Errors& errs, const Container& c, const std::string& path, bool init,
                             std::optional<int64_t> grace) {
  bool sidecar = init && c.restartPolicy == "Always";
  if (c.restartPolicy) {
    if (!init) {
      forbidden(errs, path + ".restartPolicy", "may not be set for non-init containers");
    } else if (*c.restartPolicy != "Always") {
      notSupported(errs, path + ".restartPolicy", *c.restartPolicy, {"Always"});
    }
  }
  if (init && !sidecar) {
    // Plain init containers run to completion: probes and hooks make no sense for them.
    const char* kMsg = "may not be set for init containers without restartPolicy=Always";
    if (c.lifecycle) forbidden(errs, path + ".lifecycle", kMsg);
    if (c.livenessProbe) forbidden(errs, path + ".livenessProbe", kMsg);
    if (c.readinessProbe) forbidden(errs, path + ".readinessProbe", kMsg);
    if (c.startupProbe) forbidden(errs, path + ".startupProbe", kMsg);
    return;
  }
  if (c.lifecycle) validateLifecycle(errs, *c.lifecycle, path + ".lifecycle", grace);
  if (c.livenessProbe) {
    validateProbe(errs, *c.livenessProbe, path + ".livenessProbe", grace);
    if (c.livenessProbe->successThreshold != 1)
      add(errs, T::Invalid, path + ".livenessProbe.successThreshold", num(c.livenessProbe->successThreshold), "must be 1");
  }
  if (c.readinessProbe) {
    validateProbe(errs, *c.readinessProbe, path + ".readinessProbe", grace);
    if (c.readinessProbe->terminationGracePeriodSeconds)
      add(errs, T::Invalid, path + ".readinessProbe.terminationGracePeriodSeconds",
          num(*c.readinessProbe->terminationGracePeriodSeconds), "must not be set for readinessProbes");
  }
  if (c.startupProbe) {
    validateProbe(errs, *c.startupProbe, path + ".startupProbe", grace);
    if (c.startupProbe->successThreshold != 1)
      add(errs, T::Invalid, path + ".startupProbe.successThreshold", num(c.startupProbe->successThreshold), "must be 1");
  }
}

void validateResources(Errors& errs, const ResourceRequirements& r, const std::string& path) {
  auto checkList = [&](const ResourceList& list, const std::string& lp) {
    for (const auto& [name, q] : list) {
      std::string fp = lp + "[" + name + "]";
      // Standard names, hugepages-<size>, or extended resources with a domain ("example.com/gpu").
      bool standard = name == "cpu" || name == "memory" || name == "ephemeral-storage" ||
                      name.starts_with("hugepages-") || name.find('/') != std::string::npos;
      if (!standard) add(errs, T::Invalid, fp, quoteValue(name), "must be a standard resource for containers");
      auto cmp = compareQuantities(q.value, "0");
      if (cmp && *cmp < 0) add(errs, T::Invalid, fp, quoteValue(q.value), "must be greater than or equal to 0");
    }
  };
  checkList(r.limits, path + ".limits");
  checkList(r.requests, path + ".requests");
  for (const auto& [name, request] : r.requests) {
    auto limit = r.limits.find(name);
    if (limit == r.limits.end()) continue;
    auto cmp = compareQuantities(request.value, limit->second.value);
    if (cmp && *cmp > 0)
      add(errs, T::Invalid, path + ".requests[" + name + "]", quoteValue(request.value),
          "must be less than or equal to " + name + " limit of " + limit->second.value);
  }
}

void validateTolerations(Errors& errs, const std::vector<Toleration>& tolerations, const std::string& path) {
  for (size_t i = 0; i < tolerations.size(); ++i) {
    const Toleration& t = tolerations[i];
    std::string tp = path + "[" + num(i) + "]";
    if (!t.key.empty()) invalidEach(errs, tp + ".key", t.key, isQualifiedName(t.key));
    if (t.key.empty() && t.operator_ != "Exists")
      add(errs, T::Invalid, tp + ".operator", quoteValue(t.operator_),
          "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
    if (t.tolerationSeconds && t.effect != "NoExecute")
      add(errs, T::Invalid, tp + ".effect", quoteValue(t.effect),
          "effect must be 'NoExecute' when `tolerationSeconds` is set");
    if (t.operator_ == "Exists") {
      if (!t.value.empty())
        add(errs, T::Invalid, tp + ".operator", quoteValue(t.value), "value must be empty when `operator` is 'Exists'");
    } else if (!t.operator_.empty() && t.operator_ != "Equal") {
      notSupported(errs, tp + ".operator", t.operator_, {"Equal", "Exists"});
    }
    if (!t.effect.empty() && t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute")
      notSupported(errs, tp + ".effect", t.effect, {"NoExecute", "NoSchedule", "PreferNoSchedule"});
  }
}

void validateOnlyAddedTolerations(Errors& errs, const std::vector<Toleration>& now,
                                  const std::vector<Toleration>& before, const std::string& path) {
  for (const Toleration& old : before) {
    bool found = false;
    for (const Toleration& t : now) {
      Toleration a = t;
      // Only a NoExecute toleration's tolerationSeconds may change.
      if (old.effect == "NoExecute") a.tolerationSeconds = old.tolerationSeconds;
      found = found || a == old;
    }
    if (!found) {
      forbidden(errs, path, "existing toleration can not be modified except its tolerationSeconds");
      return;
    }
  }
}

}  // namespace peapod::api::validation_detail
