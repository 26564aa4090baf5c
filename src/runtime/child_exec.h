// The last steps a freshly cloned child takes before it becomes the workload, shared by the
// container's main process and `exec` processes. The child shares the shim's memory (vfork-style
// clone), so these are syscalls only: no allocation, no locks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace peapod::runtime {

// Drops to uid/gid with no supplementary groups, then re-arms the parent-death signal (changing
// credentials clears it). False with errno set when a credential call fails.
bool dropToUser(uint32_t uid, uint32_t gid);

// The shim blocks signals for its signalfd and ignores SIGPIPE; the workload starts clean.
void resetSignals();

// execve of each candidate path in turn, like execvp's PATH walk; returns only on failure, with
// the errno to report (EACCES wins over a later ENOENT/ENOTDIR, as execvp does).
int execFirst(const std::vector<std::string>& candidates, char* const argv[], char* const envp[]);

}  // namespace peapod::runtime
