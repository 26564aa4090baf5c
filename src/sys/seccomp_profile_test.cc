// Unit tests for compileSeccompProfile: the program compiles, and installed in a forked child
// (no_new_privs, no root needed) it answers as the profile says.
#include "sys/seccomp_profile.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace peapod::sys {
namespace {

// Installs `prog` in a child and returns the errno mkdir(path) left there (0 on success).
int mkdirErrnoUnder(const SeccompProgram& prog, const std::string& path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !installSeccomp(prog)) ::_exit(255);
    int rc = ::mkdir(path.c_str(), 0700);
    ::_exit(rc == 0 ? 0 : errno);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string scratchPath(const char* leaf) {
  return ::testing::TempDir() + "/seccomp-" + std::to_string(::getpid()) + "-" + leaf;
}

TEST(SeccompProfile, ErrnoRuleWithItsOwnErrno) {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_ALLOW";
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  p.syscalls = {{{"mkdir", "mkdirat", "no_such_syscall"}, "SCMP_ACT_ERRNO", 13 /*EACCES*/, {}}};
  auto prog = compileSeccompProfile(p);
  ASSERT_TRUE(prog.ok()) << prog.error().message();
  EXPECT_FALSE(prog->empty());
  EXPECT_EQ(mkdirErrnoUnder(*prog, scratchPath("a")), EACCES);
}

TEST(SeccompProfile, ErrnoDefaultsToEpermAndArgsNarrowTheRule) {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_ALLOW";
  // mkdir(path, mode) with mode == 0700 only; (mkdirat's mode is arg 2.)
  p.syscalls = {{{"mkdir"}, "SCMP_ACT_ERRNO", std::nullopt, {{1, 0700, 0, "SCMP_CMP_EQ"}}},
                {{"mkdirat"}, "SCMP_ACT_ERRNO", std::nullopt, {{2, 0700, 0, "SCMP_CMP_EQ"}}}};
  auto prog = compileSeccompProfile(p);
  ASSERT_TRUE(prog.ok()) << prog.error().message();
  EXPECT_EQ(mkdirErrnoUnder(*prog, scratchPath("b")), EPERM);
  p.syscalls[0].args[0].value = 0755;
  p.syscalls[1].args[0].value = 0755;
  auto other = compileSeccompProfile(p);
  ASSERT_TRUE(other.ok());
  std::string path = scratchPath("c");
  EXPECT_EQ(mkdirErrnoUnder(*other, path), 0);
  ::rmdir(path.c_str());
}

TEST(SeccompProfile, DefaultErrnoWithAnAllowList) {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_ERRNO";
  p.defaultErrnoRet = 38;  // ENOSYS
  p.syscalls = {{{"exit", "exit_group"}, "SCMP_ACT_ALLOW", std::nullopt, {}},
                {{"getpid"}, "SCMP_ACT_ERRNO", 38, {}}};  // same as the default: dropped, not an error
  auto prog = compileSeccompProfile(p);
  ASSERT_TRUE(prog.ok()) << prog.error().message();
  std::string path = scratchPath("d");
  EXPECT_EQ(mkdirErrnoUnder(*prog, path), ENOSYS);
  ::rmdir(path.c_str());
}

TEST(SeccompProfile, SameArgumentTwiceBecomesTwoRules) {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_ALLOW";
  p.syscalls = {{{"personality"}, "SCMP_ACT_ERRNO", std::nullopt,
                 {{0, 1, 0, "SCMP_CMP_EQ"}, {0, 2, 0, "SCMP_CMP_EQ"}}}};
  EXPECT_TRUE(compileSeccompProfile(p).ok());
}

TEST(SeccompProfile, Errors) {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_BOGUS";
  ASSERT_FALSE(compileSeccompProfile(p).ok());
  EXPECT_EQ(compileSeccompProfile(p).error().message(), "unsupported seccomp action \"SCMP_ACT_BOGUS\"");
  p.defaultAction = "SCMP_ACT_ALLOW";
  p.architectures = {"SCMP_ARCH_Z80"};
  EXPECT_EQ(compileSeccompProfile(p).error().message(), "unsupported seccomp architecture \"SCMP_ARCH_Z80\"");
  p.architectures.clear();
  p.syscalls = {{{"mkdir"}, "SCMP_ACT_ERRNO", std::nullopt, {{1, 0, 0, "SCMP_CMP_SOMETIMES"}}}};
  EXPECT_EQ(compileSeccompProfile(p).error().message(), "unsupported seccomp operator \"SCMP_CMP_SOMETIMES\"");
  p.syscalls = {{{"mkdir"}, "SCMP_ACT_ERRNO", std::nullopt, {{6, 0, 0, "SCMP_CMP_EQ"}}}};
  EXPECT_EQ(compileSeccompProfile(p).error().message(), "seccomp argument index 6 is over 5");
}

}  // namespace
}  // namespace peapod::sys
