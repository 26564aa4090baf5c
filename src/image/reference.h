// Image references: parse and normalize names the way Kubernetes and docker do.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace peapod::image {

// A parsed, normalized image reference: "docker.io/library/busybox:latest",
// "myreg:5000/x/y:t", "docker.io/library/x@sha256:<hex>".
struct Reference {
  std::string registry;    // "docker.io" when the name has no registry part
  std::string repository;  // "library/busybox"
  std::string tag;         // "latest" when neither tag nor digest was given; may be empty with a digest
  std::string digest;      // "sha256:<64 hex>" or empty

  // The normalized form: registry/repository[:tag][@digest].
  std::string str() const;
};

// Parses and normalizes `ref`; errors read "invalid reference format: ...".
Result<Reference> parseReference(std::string_view ref);

// The normalized string of `ref`, or `ref` itself unchanged when it does not parse.
std::string normalizeReference(std::string_view ref);

// True for "sha256:<64 lowercase hex>".
bool isDigest(std::string_view s);

}  // namespace peapod::image
