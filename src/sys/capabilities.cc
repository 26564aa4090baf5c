#include "sys/capabilities.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace peapod::sys {
namespace {

// Indexed by capability number (linux/capability.h), without the CAP_ prefix.
constexpr const char* kNames[] = {
    "CHOWN",           "DAC_OVERRIDE",  "DAC_READ_SEARCH", "FOWNER",           "FSETID",       "KILL",
    "SETGID",          "SETUID",        "SETPCAP",         "LINUX_IMMUTABLE",  "NET_BIND_SERVICE",
    "NET_BROADCAST",   "NET_ADMIN",     "NET_RAW",         "IPC_LOCK",         "IPC_OWNER",    "SYS_MODULE",
    "SYS_RAWIO",       "SYS_CHROOT",    "SYS_PTRACE",      "SYS_PACCT",        "SYS_ADMIN",    "SYS_BOOT",
    "SYS_NICE",        "SYS_RESOURCE",  "SYS_TIME",        "SYS_TTY_CONFIG",   "MKNOD",        "LEASE",
    "AUDIT_WRITE",     "AUDIT_CONTROL", "SETFCAP",         "MAC_OVERRIDE",     "MAC_ADMIN",    "SYSLOG",
    "WAKE_ALARM",      "BLOCK_SUSPEND", "AUDIT_READ",      "PERFMON",          "BPF",          "CHECKPOINT_RESTORE",
};
constexpr int kKnown = static_cast<int>(sizeof kNames / sizeof kNames[0]);

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

int readLastCap() {
  int fd = ::open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return kKnown - 1;
  char buf[16] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  int v = n > 0 ? std::atoi(buf) : 0;
  return v > 0 && v < 64 ? v : kKnown - 1;
}

}  // namespace

std::optional<int> capabilityFromName(std::string_view name) {
  if (name.size() > 4 && equalsIgnoreCase(name.substr(0, 4), "CAP_")) name.remove_prefix(4);
  for (int i = 0; i < kKnown; ++i) {
    if (equalsIgnoreCase(name, kNames[i])) return i;
  }
  return std::nullopt;
}

std::string capabilityName(int cap) {
  if (cap >= 0 && cap < kKnown) return std::string("CAP_") + kNames[cap];
  return "CAP_" + std::to_string(cap);
}

std::vector<std::string> capabilityNames(CapSet set) {
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) {
    if (set & capBit(i)) out.push_back(capabilityName(i));
  }
  return out;
}

int lastCapability() {
  static const int last = readLastCap();
  return last;
}

CapSet allCapabilities() {
  int last = lastCapability();
  return last >= 63 ? ~CapSet{0} : (capBit(last + 1) - 1);
}

CapSet defaultCapabilities() {
  CapSet s = 0;
  for (int c : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID,
                CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE}) {
    s |= capBit(c);
  }
  return s;
}

bool limitCapabilities(CapSet keep, int lastCap) {
  for (int c = 0; c <= lastCap; ++c) {
    if ((keep & capBit(c)) == 0 && ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return false;
  // Inheritable must be empty too, or execve would hand those capabilities on (CVE-2022-24769).
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &hdr, data) != 0) return false;
  data[0].inheritable = data[1].inheritable = 0;
  return ::syscall(SYS_capset, &hdr, data) == 0;
}

}  // namespace peapod::sys
