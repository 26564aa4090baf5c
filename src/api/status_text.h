// kubectl's `get pods` columns (READY, STATUS, RESTARTS, AGE), computed as kubectl's printPod does.
#pragma once

#include <string>

#include "api/types.h"
#include "base/time.h"

namespace peapod::api {

struct PodColumns {
  std::string ready;     // "1/2"
  std::string status;    // "Running", "Init:0/1", "CrashLoopBackOff", "Completed", "Terminating"...
  std::string restarts;  // "3 (5s ago)" or "0"
  std::string age;       // "5m"
};

// All columns at once (one pass over the statuses, as printPod).
PodColumns podColumns(const Pod& pod, WallTime now);

// The STATUS column.
std::string podPhaseReasonForPrinting(const Pod& pod, WallTime now);
// The READY column: ready running containers / containers.
std::string readyColumn(const Pod& pod);
// The RESTARTS column, with the age of the latest lastState.terminated.finishedAt.
std::string restartsColumn(const Pod& pod, WallTime now);
// HumanDuration since an RFC 3339 timestamp; "<unknown>" when empty or malformed.
std::string ageColumn(std::string creationTimestamp, WallTime now);

}  // namespace peapod::api
