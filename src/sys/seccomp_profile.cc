#include "sys/seccomp_profile.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sys/unique_fd.h"

namespace peapod::sys {
namespace {

// Allowed for every container. Written from the syscall table with containerd's and moby's
// default profiles as the reference: what a normal program needs, nothing that reaches outside
// the container's namespaces (mount, unshare, setns, keyctl, bpf, ptrace of other tasks' memory
// maps via process_vm_*, module loading, clock setting, reboot, ...) unless a capability the
// container holds guards it anyway (see kByCapability). Names unknown to this architecture
// (the 32-bit variants) are skipped.
constexpr const char* kAllowed[] = {
    "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "cachestat", "capget", "capset", "chdir",
    "chmod", "chown", "chown32", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
    "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2",
    "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
    "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
    "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
    "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
    "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake",
    "futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
    "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid",
    "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
    "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit", "ioctl",
    "ioprio_get", "ioprio_set", "ipc", "kcmp", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
    "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier",
    "memfd_create", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
    "modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
    "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
    "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
    "process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
    "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget",
    "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
    "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid",
    "setsockopt", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
    "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64",
    "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
    "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
    "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink",
    "unlinkat", "uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
    "waitid", "waitpid", "write", "writev",
};

// Allowed only when the bounding set holds the capability that guards them.
struct CapGroup {
  int cap;
  std::vector<const char*> names;
};
const std::vector<CapGroup>& capGroups() {
  static const std::vector<CapGroup> groups = {
      {CAP_DAC_READ_SEARCH, {"open_by_handle_at"}},
      {CAP_SYS_ADMIN,
       {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
        "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree", "perf_event_open", "quotactl",
        "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
        "pivot_root"}},
      {CAP_SYS_BOOT, {"reboot"}},
      {CAP_SYS_CHROOT, {"chroot"}},
      {CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module"}},
      {CAP_SYS_PACCT, {"acct"}},
      {CAP_SYS_PTRACE, {"pidfd_getfd"}},
      {CAP_SYS_RAWIO, {"iopl", "ioperm"}},
      {CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime",
                      "clock_adjtime64"}},
      {CAP_SYS_TTY_CONFIG, {"vhangup"}},
      {CAP_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "move_pages"}},
      {CAP_SYSLOG, {"syslog"}},
      {CAP_BPF, {"bpf"}},
      {CAP_PERFMON, {"perf_event_open"}},
  };
  return groups;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Error seccompError(const char* call, int rc, const std::string& what = "") {
  return Error::sys(call, what, rc < 0 ? -rc : EINVAL);
}

// Adds a rule; a name this libseccomp does not know is skipped, and so is a failure for a name
// that is not a native syscall (its 32-bit variants simply do not apply everywhere).
Status addRule(scmp_filter_ctx ctx, uint32_t action, const char* name, unsigned nargs = 0,
               scmp_arg_cmp arg = {}) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return {};
  int rc = nargs ? seccomp_rule_add(ctx, action, nr, 1, arg) : seccomp_rule_add(ctx, action, nr, 0);
  if (rc != 0 && nr >= 0 && rc != -EEXIST) return seccompError("seccomp_rule_add", rc, name);
  return {};
}

// The filter as classic BPF, read back through a memfd (libseccomp exports only to an fd).
Result<SeccompProgram> exportProgram(scmp_filter_ctx ctx) {
  UniqueFd mem(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!mem) return Error::sys("memfd_create", "seccomp-bpf");
  if (int rc = seccomp_export_bpf(ctx, mem.get()); rc != 0) return seccompError("seccomp_export_bpf", rc);
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) return Error("seccomp_export_bpf: unexpected program size");
  SeccompProgram prog(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(mem.get(), prog.data(), static_cast<size_t>(size), 0) != size) return Error::sys("read", "seccomp-bpf");
  return prog;
}

// runc's action table; ERRNO and TRACE return EPERM unless the profile names another errno.
Result<uint32_t> profileAction(const std::string& name, std::optional<uint32_t> errnoRet) {
  uint32_t ret = errnoRet.value_or(EPERM) & 0xffff;
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return Error("unsupported seccomp action \"" + name + "\"");
}

Result<scmp_compare> profileOp(const std::string& name) {
  static const std::map<std::string, scmp_compare> ops = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = ops.find(name);
  if (it == ops.end()) return Error("unsupported seccomp operator \"" + name + "\"");
  return it->second;
}

// "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64".
Result<uint32_t> profileArch(const std::string& name) {
  std::string n = name.rfind("SCMP_ARCH_", 0) == 0 ? name.substr(10) : name;
  for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  uint32_t arch = seccomp_arch_resolve_name(n.c_str());
  if (arch == 0) return Error("unsupported seccomp architecture \"" + name + "\"");
  return arch;
}

}  // namespace

Result<SeccompProgram> compileSeccompProfile(const SeccompProfile& profile) {
  PEAPOD_ASSIGN_OR_RETURN(uint32_t defaultAction, profileAction(profile.defaultAction, profile.defaultErrnoRet));
  Ctx ctx(seccomp_init(defaultAction));
  if (!ctx) return Error("seccomp_init failed");
  for (const auto& name : profile.architectures) {
    PEAPOD_ASSIGN_OR_RETURN(uint32_t arch, profileArch(name));
    int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc != 0 && rc != -EEXIST) return seccompError("seccomp_arch_add", rc, name);
  }
  for (const auto& rule : profile.syscalls) {
    PEAPOD_ASSIGN_OR_RETURN(uint32_t action, profileAction(rule.action, rule.errnoRet));
    if (action == defaultAction) continue;  // libseccomp refuses it; it changes nothing anyway
    std::vector<scmp_arg_cmp> conds;
    bool sameIndexTwice = false;
    unsigned seen = 0;
    for (const auto& a : rule.args) {
      if (a.index > 5) return Error("seccomp argument index " + std::to_string(a.index) + " is over 5");
      PEAPOD_ASSIGN_OR_RETURN(scmp_compare op, profileOp(a.op));
      sameIndexTwice = sameIndexTwice || (seen & (1u << a.index));
      seen |= 1u << a.index;
      conds.push_back(scmp_arg_cmp{a.index, op, a.value, a.valueTwo});
    }
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      auto add = [&](unsigned n, const scmp_arg_cmp* c) -> Status {
        int rc = seccomp_rule_add_array(ctx.get(), action, nr, n, c);
        if (rc != 0 && nr >= 0 && rc != -EEXIST) return seccompError("seccomp_rule_add", rc, name);
        return {};
      };
      if (!sameIndexTwice) {
        PEAPOD_TRY(add(static_cast<unsigned>(conds.size()), conds.data()));
      } else {
        for (const auto& c : conds) PEAPOD_TRY(add(1, &c));
      }
    }
  }
  return exportProgram(ctx.get());
}

Result<SeccompProgram> compileDefaultSeccomp(CapSet caps) {
  Ctx ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!ctx) return Error("seccomp_init failed");
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
      int rc = seccomp_arch_add(ctx.get(), arch);
      if (rc != 0 && rc != -EEXIST) return seccompError("seccomp_arch_add", rc);
    }
  }
  for (const char* name : kAllowed) PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ALLOW, name));

  bool admin = caps & capBit(CAP_SYS_ADMIN);
  for (const auto& g : capGroups()) {
    if (!(caps & capBit(g.cap))) continue;
    for (const char* name : g.names) PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ALLOW, name));
  }
  // personality: only the harmless domains (Linux, Linux32, and the query 0xffffffff).
  for (scmp_datum_t v : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull}) {
    PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ALLOW, "personality", 1, SCMP_A0(SCMP_CMP_EQ, v)));
  }
  // socket: every family but AF_VSOCK (a channel to the hypervisor).
  PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ALLOW, "socket", 1, SCMP_A0(SCMP_CMP_NE, 40)));
  if (!admin) {
    // clone without namespace flags; clone3's flags sit in memory seccomp cannot read, so it
    // answers ENOSYS and libc falls back to clone (what moby and containerd do).
    constexpr scmp_datum_t kNsFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                      CLONE_NEWNET | CLONE_NEWCGROUP;
    PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ALLOW, "clone", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, kNsFlags, 0)));
    PEAPOD_TRY(addRule(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), "clone3"));
  }

  return exportProgram(ctx.get());
}

Result<const SeccompProgram*> defaultSeccomp(CapSet caps) {
  static std::mutex mu;  // the daemon builds specs on more than one thread
  static std::map<CapSet, SeccompProgram> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(caps);
  if (it != cache.end()) return &it->second;
  PEAPOD_ASSIGN_OR_RETURN(SeccompProgram prog, compileDefaultSeccomp(caps));
  return &cache.emplace(caps, std::move(prog)).first->second;
}

bool installSeccomp(const SeccompProgram& program) {
  sock_fprog fprog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0;
}

}  // namespace peapod::sys
