// Seccomp profile files in the OCI runtime-spec JSON form (what containerd reads for a Localhost
// profile), with Docker's "archMap" and single "name" accepted too.
#pragma once

#include <string>

#include "base/result.h"
#include "sys/seccomp_profile.h"

namespace peapod::runtime {

// Parses {"defaultAction", "defaultErrnoRet", "architectures", "archMap": [{"architecture",
// "subArchitectures"}], "syscalls": [{"names", "action", "errnoRet", "args": [{"index", "value",
// "valueTwo", "op"}]}]}. Unknown fields are ignored, as Go's json.Unmarshal does; a missing
// defaultAction or rule action, or a field of the wrong type, is an error naming the field.
Result<sys::SeccompProfile> parseSeccompProfile(const std::string& text);

}  // namespace peapod::runtime
