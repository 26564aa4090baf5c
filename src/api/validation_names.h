// Name checks from k8s.io/apimachinery/pkg/util/validation: each returns the messages
// Kubernetes gives (empty when valid), word for word.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peapod::api {

std::vector<std::string> isDns1123Label(std::string_view value);
std::vector<std::string> isDns1123Subdomain(std::string_view value);
std::vector<std::string> isQualifiedName(std::string_view value);
std::vector<std::string> isValidLabelValue(std::string_view value);
std::vector<std::string> isValidPortName(std::string_view value);
std::vector<std::string> isValidPortNum(int64_t port);
// "must be between 1 and 65535, inclusive"
std::string inclusiveRangeError(int64_t lo, int64_t hi);
// "must be no more than 63 characters"
std::string maxLenError(size_t length);

}  // namespace peapod::api
