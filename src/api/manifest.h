// Manifest text <-> JSON: what `kubectl apply -f` reads (JSON or multi-document YAML) and
// what `-o yaml` prints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace peapod::api {

// Parses JSON or (multi-document) YAML into one JSON object per manifest. Empty documents are
// skipped and `kind: List` documents are expanded into their items. Plain YAML scalars follow
// the YAML 1.2 core schema (true, null, 12, 1.5); quoted scalars stay strings. Errors name the
// place: "error converting YAML to JSON: yaml: line 3: column 5: illegal map value".
Result<std::vector<nlohmann::json>> parseManifests(std::string_view text);

// Renders JSON as kubectl-style block YAML: keys in the JSON's order, sequences in mappings
// not indented, strings quoted only when a plain scalar would read back as something else.
std::string toYaml(const nlohmann::json& value);

}  // namespace peapod::api
