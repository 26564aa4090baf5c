// Kubernetes metav1.Status error responses, with the reasons and codes kubectl understands.
#pragma once

#include <string>
#include <vector>

#include "api/validation.h"
#include "base/result.h"
#include "server/http_types.h"

namespace peapod::server {

Response jsonResponse(int status, const std::string& body);
Response statusError(int code, const std::string& reason, const std::string& message,
                     const std::string& kind = "", const std::string& name = "");
Response notFound(const std::string& resource, const std::string& name);
Response badRequest(const std::string& message);
Response methodNotAllowed();
// 422 Invalid: `Pod "x" is invalid: [a: Required value, b: ...]` with one cause per field error.
Response invalid(const std::string& kind, const std::string& name, const std::vector<api::FieldError>& errors);
// Maps a store error (not found, already exists, conflict) or anything else (500) to a Status.
Response storeError(const Error& error, const std::string& resource, const std::string& name);

}  // namespace peapod::server
