// The files of configMap, secret, downwardAPI and projected volumes (the kubelet's MakePayload
// for each plugin). Pure: objects come through NodeFacts::objects, nothing touches the disk.
#pragma once

#include <string>

#include "api/types.h"
#include "base/result.h"
#include "node/env.h"
#include "node/projected_files.h"

namespace peapod::node {

// True for the volume kinds whose files the node writes (and refreshes on change).
bool isContentVolume(const api::Volume& v);
// True when the volume's files come (partly) from the pod's metadata: refreshed on label or
// annotation changes.
bool usesPodMetadata(const api::Volume& v);

// The files of a content volume. A missing ConfigMap or Secret that is not optional fails with
// the kubelet's message (`configmap "x" not found`), as does a missing key listed in items
// (`configmap references non-existent config key: k`).
Result<Payload> volumePayload(const api::Pod& pod, const api::Volume& v, const NodeFacts& node);

// fieldpath.FormatMap: `key="value"` lines in key order, Go-quoted, no trailing newline.
std::string formatMap(const api::StringMap& m);

}  // namespace peapod::node
