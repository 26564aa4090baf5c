#include "base/result.h"

#include <cstring>

namespace peapod {

Error Error::sys(std::string_view call, std::string_view object, int err) {
  std::string m(call);
  if (!object.empty()) {
    m += ' ';
    m += object;
  }
  m += ": ";
  m += std::strerror(err);
  return Error(std::move(m), err);
}

Error Error::wrap(std::string_view context) const& {
  Error e = *this;
  return std::move(e).wrap(context);
}

Error Error::wrap(std::string_view context) && {
  message_ = std::string(context) + ": " + message_;
  return std::move(*this);
}

}  // namespace peapod
