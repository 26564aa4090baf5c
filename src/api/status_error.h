// metav1.Status bodies for API errors, shaped exactly as the apiserver's (k8s.io/apimachinery
// pkg/api/errors), so kubectl prints "The Pod \"x\" is invalid: ..." and friends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/validation.h"

namespace peapod::api {

// A Status of status "Success" (what DELETE of a collection returns, for example).
nlohmann::json statusSuccess();

// A generic failure: {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
// "message":..., "reason":..., "code":...} with details {name, kind} when name is given.
nlohmann::json statusFailure(int code, std::string_view reason, std::string_view message,
                             std::string_view detailsName = {}, std::string_view detailsKind = {});

// 422 Invalid: message `Pod "x" is invalid: <one error>` or `... is invalid: [<e1>, <e2>]`,
// one details.causes entry per error {reason: FieldValue..., message: body, field}.
nlohmann::json invalidStatus(std::string_view kind, std::string_view name, const std::vector<FieldError>& errors);

// 404 NotFound: `pods "x" not found`. `resource` is the plural ("pods").
nlohmann::json notFoundStatus(std::string_view resource, std::string_view name);
// 409 AlreadyExists: `pods "x" already exists`.
nlohmann::json alreadyExistsStatus(std::string_view resource, std::string_view name);
// 409 Conflict: `Operation cannot be fulfilled on pods "x": <detail>`; the usual detail is
// "the object has been modified; please apply your changes to the latest version and try again".
nlohmann::json conflictStatus(std::string_view resource, std::string_view name, std::string_view detail);
// 400 BadRequest with a free message (e.g. decode errors).
nlohmann::json badRequestStatus(std::string_view message);

}  // namespace peapod::api
