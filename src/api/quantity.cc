// Quantity parsing with exact decimal arithmetic: the number is scaled to an integer count of
// 10^-9 units (nano) held in __int128, so "0.1" + suffixes never suffer binary rounding.
#include "api/quantity.h"

#include <cctype>
#include <string>

namespace peapod::api {

namespace {

using i128 = __int128;

// The value as an exact fraction num / 10^9 (i.e. in nano-units); nullopt when malformed.
std::optional<i128> parseNano(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  i128 mantissa = 0;
  int fracDigits = 0;
  bool digits = false;
  bool dot = false;
  for (; i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (dot) return std::nullopt;
      dot = true;
      continue;
    }
    digits = true;
    if (mantissa > (i128(1) << 100)) return std::nullopt;  // far beyond int64 anyway
    mantissa = mantissa * 10 + (s[i] - '0');
    if (dot) ++fracDigits;
  }
  if (!digits) return std::nullopt;
  std::string_view suffix = s.substr(i);
  // Scale: a power of ten (decimal SI and exponent forms) or a power of two (binary SI).
  int exp10 = 0;
  int exp2 = 0;
  if (suffix.empty()) {
  } else if (suffix == "n") {
    exp10 = -9;
  } else if (suffix == "u") {
    exp10 = -6;
  } else if (suffix == "m") {
    exp10 = -3;
  } else if (suffix == "k") {
    exp10 = 3;
  } else if (suffix == "M") {
    exp10 = 6;
  } else if (suffix == "G") {
    exp10 = 9;
  } else if (suffix == "T") {
    exp10 = 12;
  } else if (suffix == "P") {
    exp10 = 15;
  } else if (suffix == "E") {
    exp10 = 18;
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    static const std::string_view kBinary = "KMGTPE";
    size_t k = kBinary.find(suffix[0]);
    if (k == std::string_view::npos) return std::nullopt;
    exp2 = 10 * static_cast<int>(k + 1);
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string_view e = suffix.substr(1);
    bool eneg = false;
    if (!e.empty() && (e[0] == '+' || e[0] == '-')) {
      eneg = e[0] == '-';
      e.remove_prefix(1);
    }
    if (e.empty() || e.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : e) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    exp10 = eneg ? -v : v;
  } else {
    return std::nullopt;
  }
  // nano = mantissa * 10^(exp10 - fracDigits + 9) * 2^exp2, rounded up when fractional.
  int scale = exp10 - fracDigits + 9;
  i128 v = mantissa;
  if (exp2 > 0) v <<= exp2;
  const i128 kLimit = i128(1) << 120;
  for (; scale > 0; --scale) {
    if (v > kLimit / 10) return std::nullopt;
    v *= 10;
  }
  bool inexact = false;
  for (; scale < 0; ++scale) {
    inexact = inexact || v % 10 != 0;
    v /= 10;
  }
  if (inexact) v += 1;  // below a nano-unit: round away from zero, as Quantity does
  return negative ? -v : v;
}

// Ceiling division for positive divisors.
i128 ceilDiv(i128 a, i128 b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

std::optional<int64_t> toInt64(i128 v) {
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(v);
}

}  // namespace

std::optional<int64_t> quantityMilliValue(std::string_view text) {
  auto nano = parseNano(text);
  if (!nano) return std::nullopt;
  return toInt64(ceilDiv(*nano, 1000000));
}

std::optional<int64_t> quantityValue(std::string_view text) {
  auto nano = parseNano(text);
  if (!nano) return std::nullopt;
  return toInt64(ceilDiv(*nano, 1000000000));
}

std::optional<int> compareQuantities(std::string_view a, std::string_view b) {
  auto x = parseNano(a);
  auto y = parseNano(b);
  if (!x || !y) return std::nullopt;
  return *x < *y ? -1 : (*x > *y ? 1 : 0);
}

}  // namespace peapod::api
