// metav1.Status error bodies (NewInvalid, NewNotFound, NewAlreadyExists, NewConflict...).
#include "api/status_error.h"

#include <set>

namespace peapod::api {

namespace {

std::string quoted(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

}  // namespace

nlohmann::json statusSuccess() {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()}, {"status", "Success"}};
}

nlohmann::json statusFailure(int code, std::string_view reason, std::string_view message, std::string_view detailsName,
                             std::string_view detailsKind) {
  nlohmann::json s = {{"kind", "Status"},       {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"},    {"message", message}, {"reason", reason},
                      {"code", code}};
  if (!detailsName.empty() || !detailsKind.empty()) {
    nlohmann::json d = nlohmann::json::object();
    if (!detailsName.empty()) d["name"] = detailsName;
    if (!detailsKind.empty()) d["kind"] = detailsKind;
    s["details"] = d;
  }
  return s;
}

nlohmann::json invalidStatus(std::string_view kind, std::string_view name, const std::vector<FieldError>& errors) {
  // utilerrors.NewAggregate prints one error bare and several as "[a, b]", skipping repeats.
  std::vector<std::string> msgs;
  std::set<std::string> seen;
  for (const auto& e : errors)
    if (seen.insert(e.toString()).second) msgs.push_back(e.toString());
  std::string message = std::string(kind) + " " + quoted(name) + " is invalid";
  if (msgs.size() == 1) {
    message += ": " + msgs[0];
  } else if (!msgs.empty()) {
    message += ": [";
    for (size_t i = 0; i < msgs.size(); ++i) message += (i ? ", " : "") + msgs[i];
    message += "]";
  }
  nlohmann::json s = statusFailure(422, "Invalid", message);
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& e : errors) causes.push_back({{"reason", e.reason()}, {"message", e.body()}, {"field", e.field}});
  s["details"] = {{"name", name}, {"kind", kind}, {"causes", causes}};
  return s;
}

nlohmann::json notFoundStatus(std::string_view resource, std::string_view name) {
  return statusFailure(404, "NotFound", std::string(resource) + " " + quoted(name) + " not found", name, resource);
}

nlohmann::json alreadyExistsStatus(std::string_view resource, std::string_view name) {
  return statusFailure(409, "AlreadyExists", std::string(resource) + " " + quoted(name) + " already exists", name,
                       resource);
}

nlohmann::json conflictStatus(std::string_view resource, std::string_view name, std::string_view detail) {
  return statusFailure(409, "Conflict",
                       "Operation cannot be fulfilled on " + std::string(resource) + " " + quoted(name) + ": " +
                           std::string(detail),
                       name, resource);
}

nlohmann::json badRequestStatus(std::string_view message) { return statusFailure(400, "BadRequest", message); }

}  // namespace peapod::api
