// Linux capabilities as 64-bit sets: names, the runc default set, and the child-safe call that
// narrows a process's bounding/inheritable/ambient sets before exec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peapod::sys {

using CapSet = uint64_t;  // bit n = capability n

constexpr CapSet capBit(int cap) { return CapSet{1} << cap; }

// "CAP_NET_ADMIN", "NET_ADMIN" or "net_admin" -> 12; nullopt for an unknown name.
std::optional<int> capabilityFromName(std::string_view name);
// 12 -> "CAP_NET_ADMIN"; "CAP_<n>" for numbers beyond the table.
std::string capabilityName(int cap);
// Names of every capability in the set, lowest first.
std::vector<std::string> capabilityNames(CapSet set);

// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap, read once).
int lastCapability();
// Every capability this kernel knows.
CapSet allCapabilities();
// runc's (and containerd's) default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID
// SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
CapSet defaultCapabilities();

// Child-safe (syscalls only): drops every capability outside `keep` from the bounding set,
// clears the ambient and inheritable sets. execve then gives a root process exactly `keep` and a
// non-root one nothing (no file capabilities, no ambient set), as runc does. Needs CAP_SETPCAP;
// false with errno set on failure.
bool limitCapabilities(CapSet keep, int lastCap);

}  // namespace peapod::sys
