#include "server/api_status.h"

#include <nlohmann/json.hpp>

#include "api/status_error.h"
#include "store/object_store.h"

namespace peapod::server {

Response jsonResponse(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

namespace {

Response statusResponse(const nlohmann::json& status) { return jsonResponse(status.value("code", 500), status.dump()); }

}  // namespace

Response statusError(int code, const std::string& reason, const std::string& message, const std::string& kind,
                     const std::string& name) {
  return statusResponse(api::statusFailure(code, reason, message, name, kind));
}

Response notFound(const std::string& resource, const std::string& name) {
  return statusResponse(api::notFoundStatus(resource, name));
}

Response badRequest(const std::string& message) { return statusResponse(api::badRequestStatus(message)); }

Response methodNotAllowed() {
  return statusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

Response invalid(const std::string& kind, const std::string& name, const std::vector<api::FieldError>& errors) {
  return statusResponse(api::invalidStatus(kind, name, errors));
}

Response storeError(const Error& error, const std::string& resource, const std::string& name) {
  switch (error.code()) {
    case store::kNotFound: return notFound(resource, name);
    case store::kAlreadyExists: return statusResponse(api::alreadyExistsStatus(resource, name));
    case store::kConflict:
      return statusResponse(api::conflictStatus(
          resource, name, "the object has been modified; please apply your changes to the latest version and try again"));
    default: return statusError(500, "InternalError", error.message());
  }
}

}  // namespace peapod::server
