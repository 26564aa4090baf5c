// FieldOpt: how a field is encoded when zero, mirroring its Go json tag (see types.h).
#pragma once

namespace peapod::api {

enum class FieldOpt {
  kOmitEmpty,  // `json:"x,omitempty"`: "", 0, false, [], {}, nullopt are left out
  kAlways,     // `json:"x"`: always emitted, even when zero
  kTime,       // metav1.Time value: emitted as null when empty (Go's zero time)
};
inline constexpr FieldOpt kOmitEmpty = FieldOpt::kOmitEmpty;
inline constexpr FieldOpt kAlways = FieldOpt::kAlways;
inline constexpr FieldOpt kTime = FieldOpt::kTime;

}  // namespace peapod::api
