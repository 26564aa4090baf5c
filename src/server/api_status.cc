#include "server/api_status.h"

#include <nlohmann/json.hpp>

#include "store/object_store.h"

namespace peapod::server {

Response jsonResponse(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

namespace {

nlohmann::json statusObject(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

}  // namespace

Response statusError(int code, const std::string& reason, const std::string& message, const std::string& kind,
                     const std::string& name) {
  auto s = statusObject(code, reason, message);
  if (!kind.empty() || !name.empty()) s["details"] = {{"name", name}, {"kind", kind}};
  return jsonResponse(code, s.dump());
}

Response notFound(const std::string& resource, const std::string& name) {
  return statusError(404, "NotFound", resource + " \"" + name + "\" not found", resource, name);
}

Response badRequest(const std::string& message) { return statusError(400, "BadRequest", message); }

Response methodNotAllowed() { return statusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"); }

Response invalid(const std::string& kind, const std::string& name, const std::vector<api::FieldError>& errors) {
  std::string list;
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& e : errors) {
    if (!list.empty()) list += ", ";
    list += e.toString();
    std::string msg = e.toString();
    // A cause's message is the error without its field prefix (field.Error.ErrorBody()).
    if (msg.rfind(e.field + ": ", 0) == 0) msg = msg.substr(e.field.size() + 2);
    causes.push_back({{"reason", e.reason()}, {"message", msg}, {"field", e.field}});
  }
  std::string message = kind + " \"" + name + "\" is invalid: " + (errors.size() == 1 ? list : "[" + list + "]");
  auto s = statusObject(422, "Invalid", message);
  std::string group;
  s["details"] = {{"name", name}, {"kind", kind == "Pod" ? "Pod" : kind}, {"causes", causes}};
  return jsonResponse(422, s.dump());
}

Response storeError(const Error& error, const std::string& resource, const std::string& name) {
  switch (error.code()) {
    case store::kNotFound: return notFound(resource, name);
    case store::kAlreadyExists:
      return statusError(409, "AlreadyExists", resource + " \"" + name + "\" already exists", resource, name);
    case store::kConflict: return statusError(409, "Conflict", error.message(), resource, name);
    default: return statusError(500, "InternalError", error.message());
  }
}

}  // namespace peapod::server
