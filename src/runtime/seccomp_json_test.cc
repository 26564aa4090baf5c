// Unit tests for parseSeccompProfile: the OCI form, Docker's archMap and name, and errors that
// name the field.
#include "runtime/seccomp_json.h"

#include <gtest/gtest.h>

namespace peapod::runtime {
namespace {

TEST(SeccompJson, OciProfile) {
  auto p = parseSeccompProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "comment": "x",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 18446744073709551615, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}
    ]})");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->defaultAction, "SCMP_ACT_ERRNO");
  EXPECT_EQ(p->defaultErrnoRet, 1u);
  EXPECT_EQ(p->architectures, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  ASSERT_EQ(p->syscalls.size(), 3u);
  EXPECT_EQ(p->syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(p->syscalls[0].errnoRet);
  ASSERT_EQ(p->syscalls[1].args.size(), 2u);
  EXPECT_EQ(p->syscalls[1].args[1].index, 1u);
  EXPECT_EQ(p->syscalls[1].args[1].value, UINT64_MAX);
  EXPECT_EQ(p->syscalls[1].args[1].valueTwo, 3u);
  EXPECT_EQ(p->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(p->syscalls[2].errnoRet, 13u);
}

TEST(SeccompJson, DockerArchMapAndSingleName) {
  auto p = parseSeccompProfile(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [{"name": "mkdir", "action": "SCMP_ACT_ERRNO", "args": null}]})");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->architectures, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(p->syscalls.at(0).names, (std::vector<std::string>{"mkdir"}));
}

TEST(SeccompJson, Errors) {
  EXPECT_EQ(parseSeccompProfile("{").error().message(), "invalid JSON");
  EXPECT_EQ(parseSeccompProfile("[]").error().message(), "expected a JSON object");
  EXPECT_EQ(parseSeccompProfile("{}").error().message(), "defaultAction: required");
  EXPECT_EQ(parseSeccompProfile(R"({"defaultAction": 3})").error().message(), "defaultAction: wrong type (number)");
  EXPECT_EQ(parseSeccompProfile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"]}]})")
                .error()
                .message(),
            "syscalls[0].action: required");
  EXPECT_EQ(parseSeccompProfile(R"({"defaultAction": "SCMP_ACT_ALLOW",
              "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": "one", "op": "SCMP_CMP_EQ"}]}]})")
                .error()
                .message(),
            "syscalls[0].args[0].index: wrong type (string)");
}

}  // namespace
}  // namespace peapod::runtime
