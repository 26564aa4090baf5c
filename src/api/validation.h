// Pod validation with Kubernetes field paths and messages (pkg/apis/core/validation).
#pragma once

#include <string>
#include <vector>

#include "api/types.h"

namespace peapod::api {

// One problem at one field, printed exactly as Kubernetes' field.Error.Error().
struct FieldError {
  enum class Type { Required, Invalid, Duplicate, NotSupported, Forbidden, TooLong, NotFound };
  Type type;
  std::string field;     // "spec.containers[0].name"
  std::string badValue;  // already rendered ("\"web\"", "70000"); "" when not shown
  std::string detail;

  // "spec.containers[1].name: Duplicate value: \"web\""
  std::string toString() const;
  // toString() without the field: "Duplicate value: \"web\"" (field.Error.ErrorBody, a StatusCause message).
  std::string body() const;
  // metav1.CauseType: "FieldValueRequired", "FieldValueDuplicate", ...
  std::string reason() const;
};

// Renders a bad value the way Go's field errors do: strings quoted (%q), numbers bare.
std::string quoteValue(std::string_view s);

// Validates a defaulted Pod for creation. Empty when valid.
std::vector<FieldError> validatePod(const Pod& pod);
// Validates an update: only images, activeDeadlineSeconds (lowered), labels and annotations
// may change; identity fields of metadata are immutable.
std::vector<FieldError> validatePodUpdate(const Pod& updated, const Pod& old);
// All errors joined by "\n" (for logs and tests); "" when none.
std::string joinFieldErrors(const std::vector<FieldError>& errors);

}  // namespace peapod::api
