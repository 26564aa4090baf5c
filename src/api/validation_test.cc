// Unit tests for validatePod / validatePodUpdate: one table row per rule, exact messages.
#include "api/validation.h"

#include <functional>

#include <gtest/gtest.h>

#include "api/defaults.h"

namespace peapod::api {
namespace {

Pod validPod() {
  Pod pod;
  pod.metadata.name = "web";
  Container c;
  c.name = "web";
  c.image = "nginx:1.25";
  pod.spec.containers.push_back(c);
  Volume v;
  v.name = "data";
  v.emptyDir.emplace();
  pod.spec.volumes.push_back(v);
  setPodDefaults(pod);
  return pod;
}

Container& ctr(Pod& p, size_t i = 0) { return p.spec.containers[i]; }
ContainerPort& addPort(Pod& p, int32_t port, std::string name = {}) {
  ContainerPort cp;
  cp.containerPort = port;
  cp.protocol = "TCP";
  cp.name = std::move(name);
  ctr(p).ports.push_back(cp);
  return ctr(p).ports.back();
}
VolumeMount& addMount(Pod& p, std::string name, std::string path) {
  VolumeMount m;
  m.name = std::move(name);
  m.mountPath = std::move(path);
  ctr(p).volumeMounts.push_back(m);
  return ctr(p).volumeMounts.back();
}

const char kSubdomainMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char kLabelMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

struct Case {
  const char* name;
  std::function<void(Pod&)> mutate;
  std::string errors;  // joined, "" when valid
};

class ValidatePod : public ::testing::TestWithParam<Case> {};

TEST_P(ValidatePod, Rule) {
  Pod pod = validPod();
  GetParam().mutate(pod);
  EXPECT_EQ(joinFieldErrors(validatePod(pod)), GetParam().errors);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidatePod,
    ::testing::Values(
        Case{"valid", [](Pod&) {}, ""},
        Case{"nameRequired", [](Pod& p) { p.metadata.name.clear(); },
             "metadata.name: Required value: name or generateName is required"},
        Case{"generateNameSuffices",
             [](Pod& p) {
               p.metadata.name.clear();
               p.metadata.generateName = "web-";
             },
             ""},
        Case{"nameInvalid", [](Pod& p) { p.metadata.name = "Foo_1"; },
             std::string("metadata.name: Invalid value: \"Foo_1\": ") + kSubdomainMsg},
        Case{"nameTooLong", [](Pod& p) { p.metadata.name = std::string(254, 'a'); },
             "metadata.name: Invalid value: \"" + std::string(254, 'a') + "\": must be no more than 253 characters"},
        Case{"namespaceInvalid", [](Pod& p) { p.metadata.namespace_ = "a.b"; },
             std::string("metadata.namespace: Invalid value: \"a.b\": ") + kLabelMsg},
        Case{"namespaceRequired", [](Pod& p) { p.metadata.namespace_.clear(); },
             "metadata.namespace: Required value"},
        Case{"labelKey", [](Pod& p) { p.metadata.labels["bad key"] = "v"; },
             "metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', "
             "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
             "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
        Case{"labelValue", [](Pod& p) { p.metadata.labels["app"] = "-x"; },
             "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of "
             "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
             "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
        Case{"labelPrefixedOk", [](Pod& p) { p.metadata.labels["example.com/App_1"] = "x"; }, ""},
        Case{"annotationKeyPrefix", [](Pod& p) { p.metadata.annotations["/x"] = "v"; },
             "metadata.annotations: Invalid value: \"/x\": prefix part must be non-empty"},
        Case{"noContainers", [](Pod& p) { p.spec.containers.clear(); }, "spec.containers: Required value"},
        Case{"containerNameRequired", [](Pod& p) { ctr(p).name.clear(); }, "spec.containers[0].name: Required value"},
        Case{"containerNameInvalid", [](Pod& p) { ctr(p).name = "Web"; },
             std::string("spec.containers[0].name: Invalid value: \"Web\": ") + kLabelMsg},
        Case{"containerNameDuplicate", [](Pod& p) { p.spec.containers.push_back(ctr(p)); },
             "spec.containers[1].name: Duplicate value: \"web\""},
        Case{"initContainerNameDuplicate",
             [](Pod& p) { p.spec.initContainers.push_back(ctr(p)); },
             "spec.initContainers[0].name: Duplicate value: \"web\""},
        Case{"imageRequired", [](Pod& p) { ctr(p).image.clear(); }, "spec.containers[0].image: Required value"},
        Case{"volumeNoSource", [](Pod& p) { p.spec.volumes[0].emptyDir.reset(); },
             "spec.volumes[0]: Required value: must specify a volume type"},
        Case{"volumeTwoSources",
             [](Pod& p) {
               p.spec.volumes[0].hostPath.emplace();
               p.spec.volumes[0].hostPath->path = "/srv";
             },
             "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"},
        Case{"volumeDuplicate", [](Pod& p) { p.spec.volumes.push_back(p.spec.volumes[0]); },
             "spec.volumes[1].name: Duplicate value: \"data\""},
        Case{"volumeNameInvalid", [](Pod& p) { p.spec.volumes[0].name = "Data"; },
             std::string("spec.volumes[0].name: Invalid value: \"Data\": ") + kLabelMsg},
        Case{"hostPathRequired",
             [](Pod& p) {
               p.spec.volumes[0].emptyDir.reset();
               p.spec.volumes[0].hostPath.emplace();
             },
             "spec.volumes[0].hostPath.path: Required value"},
        Case{"hostPathType",
             [](Pod& p) {
               p.spec.volumes[0].emptyDir.reset();
               p.spec.volumes[0].hostPath.emplace();
               p.spec.volumes[0].hostPath->path = "/srv";
               p.spec.volumes[0].hostPath->type = "Dir";
             },
             "spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", "
             "\"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""},
        Case{"mountOk", [](Pod& p) { addMount(p, "data", "/data"); }, ""},
        Case{"mountNotFound", [](Pod& p) { addMount(p, "cache", "/data"); },
             "spec.containers[0].volumeMounts[0].name: Not found: \"cache\""},
        Case{"mountPathRequired", [](Pod& p) { addMount(p, "data", ""); },
             "spec.containers[0].volumeMounts[0].mountPath: Required value"},
        Case{"mountPathUnique",
             [](Pod& p) {
               addMount(p, "data", "/data");
               addMount(p, "data", "/data");
             },
             "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique"},
        Case{"subPathAbsolute", [](Pod& p) { addMount(p, "data", "/d").subPath = "/x"; },
             "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"/x\": must be a relative path"},
        Case{"subPathDotDot", [](Pod& p) { addMount(p, "data", "/d").subPath = "a/../b"; },
             "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"a/../b\": must not contain '..'"},
        Case{"portOk", [](Pod& p) { addPort(p, 80, "http"); }, ""},
        Case{"portRequired", [](Pod& p) { addPort(p, 0); }, "spec.containers[0].ports[0].containerPort: Required value"},
        Case{"portRange", [](Pod& p) { addPort(p, 70000); },
             "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
        Case{"hostPortRange", [](Pod& p) { addPort(p, 80).hostPort = -1; },
             "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive"},
        Case{"protocol", [](Pod& p) { addPort(p, 80).protocol = "ICMP"; },
             "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", "
             "\"TCP\", \"UDP\""},
        Case{"portNameInvalid", [](Pod& p) { addPort(p, 80, "Http--x"); },
             "spec.containers[0].ports[0].name: Invalid value: \"Http--x\": must contain only alpha-numeric "
             "characters (a-z, 0-9), and hyphens (-)\n"
             "spec.containers[0].ports[0].name: Invalid value: \"Http--x\": must not contain consecutive hyphens"},
        Case{"portNameDigits", [](Pod& p) { addPort(p, 80, "8080"); },
             "spec.containers[0].ports[0].name: Invalid value: \"8080\": must contain at least one letter (a-z)"},
        Case{"portNameDuplicate",
             [](Pod& p) {
               addPort(p, 80, "http");
               addPort(p, 81, "http");
             },
             "spec.containers[0].ports[1].name: Duplicate value: \"http\""},
        Case{"hostPortConflict",
             [](Pod& p) {
               addPort(p, 80).hostPort = 8080;
               addPort(p, 81).hostPort = 8080;
             },
             "spec.containers[0].ports[1].hostPort: Duplicate value: \"TCP//8080\""},
        Case{"restartPolicy", [](Pod& p) { p.spec.restartPolicy = "Sometimes"; },
             "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", "
             "\"OnFailure\""},
        Case{"restartPolicyRequired", [](Pod& p) { p.spec.restartPolicy.clear(); }, "spec.restartPolicy: Required value"},
        Case{"dnsPolicy", [](Pod& p) { p.spec.dnsPolicy = "Host"; },
             "spec.dnsPolicy: Unsupported value: \"Host\": supported values: \"ClusterFirst\", "
             "\"ClusterFirstWithHostNet\", \"Default\", \"None\""},
        Case{"imagePullPolicy", [](Pod& p) { ctr(p).imagePullPolicy = "Sometimes"; },
             "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
             "\"IfNotPresent\", \"Never\""},
        Case{"terminationMessagePolicy", [](Pod& p) { ctr(p).terminationMessagePolicy = "X"; },
             "spec.containers[0].terminationMessagePolicy: Unsupported value: \"X\": supported values: \"File\", "
             "\"FallbackToLogsOnError\""},
        Case{"envNameRequired", [](Pod& p) { ctr(p).env.emplace_back(); }, "spec.containers[0].env[0].name: Required value"},
        Case{"gracePeriod", [](Pod& p) { p.spec.terminationGracePeriodSeconds = -1; },
             "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"},
        Case{"activeDeadline", [](Pod& p) { p.spec.activeDeadlineSeconds = 0; },
             "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"},
        Case{"hostname", [](Pod& p) { p.spec.hostname = "a_b"; },
             std::string("spec.hostname: Invalid value: \"a_b\": ") + kLabelMsg},
        Case{"subdomain", [](Pod& p) { p.spec.subdomain = "a.b"; },
             std::string("spec.subdomain: Invalid value: \"a.b\": ") + kLabelMsg}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(FieldError, FormatAndReason) {
  FieldError e{FieldError::Type::Duplicate, "spec.containers[1].name", quoteValue("web"), ""};
  EXPECT_EQ(e.toString(), "spec.containers[1].name: Duplicate value: \"web\"");
  EXPECT_EQ(e.reason(), "FieldValueDuplicate");
  FieldError r{FieldError::Type::Required, "spec.containers[0].name", quoteValue("ignored"), ""};
  EXPECT_EQ(r.toString(), "spec.containers[0].name: Required value");
  EXPECT_EQ(r.reason(), "FieldValueRequired");
  FieldError f{FieldError::Type::Forbidden, "spec", "", "nope"};
  EXPECT_EQ(f.toString(), "spec: Forbidden: nope");
  EXPECT_EQ(f.reason(), "FieldValueForbidden");
  EXPECT_EQ((FieldError{FieldError::Type::NotSupported, "x", "\"a\"", ""}.reason()), "FieldValueNotSupported");
  EXPECT_EQ((FieldError{FieldError::Type::NotFound, "x", "\"a\"", ""}.toString()), "x: Not found: \"a\"");
  EXPECT_EQ((FieldError{FieldError::Type::TooLong, "x", "\"a\"", "must have at most 1 bytes"}.toString()),
            "x: Too long: must have at most 1 bytes");
  EXPECT_EQ(quoteValue("a\"b"), "\"a\\\"b\"");
}

const char kForbidden[] =
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

class ValidateUpdate : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateUpdate, Rule) {
  Pod old = validPod();
  old.metadata.uid = "u1";
  Pod updated = old;
  GetParam().mutate(updated);
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(updated, old)), GetParam().errors);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateUpdate,
    ::testing::Values(
        Case{"unchanged", [](Pod&) {}, ""},
        Case{"image", [](Pod& p) { ctr(p).image = "nginx:1.26"; }, ""},
        Case{"labelsAndAnnotations",
             [](Pod& p) {
               p.metadata.labels["a"] = "b";
               p.metadata.annotations["c"] = "d";
             },
             ""},
        Case{"statusIgnored", [](Pod& p) { p.status.phase = "Running"; }, ""},
        Case{"deadlineSet", [](Pod& p) { p.spec.activeDeadlineSeconds = 5; }, ""},
        Case{"restartPolicy", [](Pod& p) { p.spec.restartPolicy = "Never"; }, kForbidden},
        Case{"addContainer",
             [](Pod& p) {
               p.spec.containers.push_back(ctr(p));
               p.spec.containers[1].name = "two";
             },
             kForbidden},
        Case{"ports", [](Pod& p) { addPort(p, 80); }, kForbidden},
        Case{"emptyImage", [](Pod& p) { ctr(p).image.clear(); }, "spec.containers[0].image: Required value"},
        Case{"nameImmutable", [](Pod& p) { p.metadata.name = "other"; },
             "metadata.name: Invalid value: \"other\": field is immutable"},
        Case{"uidImmutable", [](Pod& p) { p.metadata.uid = "u2"; },
             "metadata.uid: Invalid value: \"u2\": field is immutable"},
        Case{"badLabel", [](Pod& p) { p.metadata.labels["a"] = "-"; },
             "metadata.labels: Invalid value: \"-\": a valid label must be an empty string or consist of "
             "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
             "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ValidateUpdate, ActiveDeadline) {
  Pod old = validPod();
  old.spec.activeDeadlineSeconds = 100;
  Pod lower = old;
  lower.spec.activeDeadlineSeconds = 50;
  EXPECT_TRUE(validatePodUpdate(lower, old).empty());
  Pod higher = old;
  higher.spec.activeDeadlineSeconds = 200;
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(higher, old)),
            "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value");
  Pod unset = old;
  unset.spec.activeDeadlineSeconds.reset();
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(unset, old)),
            "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value");
  Pod negative = old;
  negative.spec.activeDeadlineSeconds = -1;
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(negative, old)),
            "spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, inclusive");
}

TEST(ValidateUpdate, NegativeGracePeriodMayBecomeOne) {
  Pod old = validPod();
  old.spec.terminationGracePeriodSeconds = -5;
  Pod updated = old;
  updated.spec.terminationGracePeriodSeconds = 1;
  EXPECT_TRUE(validatePodUpdate(updated, old).empty());
  updated.spec.terminationGracePeriodSeconds = 2;
  EXPECT_EQ(joinFieldErrors(validatePodUpdate(updated, old)), kForbidden);
}

}  // namespace
}  // namespace peapod::api
