#include "sys/capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include <cstring>

#include "sys/seccomp_profile.h"

namespace peapod::sys {
namespace {

TEST(Capabilities, NamesWithOrWithoutPrefixAnyCase) {
  EXPECT_EQ(capabilityFromName("CAP_NET_ADMIN"), CAP_NET_ADMIN);
  EXPECT_EQ(capabilityFromName("NET_ADMIN"), CAP_NET_ADMIN);
  EXPECT_EQ(capabilityFromName("net_admin"), CAP_NET_ADMIN);
  EXPECT_EQ(capabilityFromName("CHECKPOINT_RESTORE"), 40);
  EXPECT_FALSE(capabilityFromName("NET_ADMINS"));
  EXPECT_FALSE(capabilityFromName("ALL"));
  EXPECT_EQ(capabilityName(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
}

TEST(Capabilities, DefaultSetIsRuncs) {
  // The CapBnd a runc container shows: 00000000a80425fb.
  EXPECT_EQ(defaultCapabilities(), 0xa80425fbull);
  EXPECT_EQ(capabilityNames(defaultCapabilities()).size(), 14u);
  EXPECT_EQ((allCapabilities() & defaultCapabilities()), defaultCapabilities());
  EXPECT_GE(lastCapability(), CAP_AUDIT_READ);
}

TEST(Seccomp, DefaultProfileCompilesAndIsCachedPerCapabilitySet) {
  auto prog = compileDefaultSeccomp(defaultCapabilities());
  ASSERT_TRUE(prog.ok()) << prog.error().message();
  EXPECT_GT(prog->size(), 100u);
  auto admin = compileDefaultSeccomp(defaultCapabilities() | capBit(CAP_SYS_ADMIN));
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(prog->size() != admin->size() ||
              std::memcmp(prog->data(), admin->data(), prog->size() * sizeof(sock_filter)) != 0);
  auto a = defaultSeccomp(defaultCapabilities());
  auto b = defaultSeccomp(defaultCapabilities());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

}  // namespace
}  // namespace peapod::sys
