// Unit tests for metav1.Status error bodies.
#include "api/status_error.h"

#include <gtest/gtest.h>

namespace peapod::api {
namespace {

using nlohmann::json;

TEST(StatusError, InvalidOneError) {
  std::vector<FieldError> errs = {{FieldError::Type::Required, "spec.containers[0].name", "", ""}};
  EXPECT_EQ(invalidStatus("Pod", "web", errs), json::parse(R"({
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "Pod \"web\" is invalid: spec.containers[0].name: Required value",
    "reason": "Invalid", "code": 422,
    "details": {"name": "web", "kind": "Pod", "causes": [
      {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].name"}]}
  })"));
}

TEST(StatusError, InvalidSeveralErrors) {
  std::vector<FieldError> errs = {
      {FieldError::Type::Duplicate, "spec.containers[1].name", "\"web\"", ""},
      {FieldError::Type::NotSupported, "spec.restartPolicy", "\"x\"", "supported values: \"Always\""}};
  json s = invalidStatus("Pod", "web", errs);
  EXPECT_EQ(s["message"],
            "Pod \"web\" is invalid: [spec.containers[1].name: Duplicate value: \"web\", spec.restartPolicy: "
            "Unsupported value: \"x\": supported values: \"Always\"]");
  EXPECT_EQ(s["details"]["causes"][1]["message"], "Unsupported value: \"x\": supported values: \"Always\"");
  EXPECT_EQ(s["details"]["causes"][1]["reason"], "FieldValueNotSupported");
}

TEST(StatusError, Others) {
  EXPECT_EQ(notFoundStatus("pods", "web"), json::parse(R"({
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "pods \"web\" not found", "reason": "NotFound", "code": 404,
    "details": {"name": "web", "kind": "pods"}})"));
  EXPECT_EQ(alreadyExistsStatus("pods", "web")["message"], "pods \"web\" already exists");
  EXPECT_EQ(alreadyExistsStatus("pods", "web")["code"], 409);
  EXPECT_EQ(conflictStatus("pods", "web", "the object has been modified; please apply your changes to the latest "
                                          "version and try again")["message"],
            "Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes "
            "to the latest version and try again");
  EXPECT_EQ(badRequestStatus("bad")["reason"], "BadRequest");
  EXPECT_FALSE(badRequestStatus("bad").contains("details"));
  EXPECT_EQ(statusSuccess()["status"], "Success");
}

}  // namespace
}  // namespace peapod::api
