// Name checks mirroring apimachinery's IsDNS1123Label, IsQualifiedName, IsValidPortName...
#include "api/validation_names.h"

#include <regex>

namespace peapod::api {

namespace {

const char kPortNameFmt[] = "[-a-z0-9]+";
const char kLabelFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const char kLabelErr[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character";
const char kSubdomainFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const char kSubdomainErr[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character";
const char kQualifiedFmt[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char kQualifiedErr[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";
const char kLabelValueFmt[] = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const char kLabelValueErr[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character";

// apimachinery's RegexError, including its "',  or '" double space.
std::string regexError(std::string msg, const char* fmt, std::initializer_list<const char*> examples) {
  if (examples.size() == 0) return msg + " (regex used for validation is '" + fmt + "')";
  msg += " (e.g. ";
  bool first = true;
  for (const char* e : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += "'";
    msg += e;
    msg += "', ";
  }
  msg += "regex used for validation is '";
  msg += fmt;
  msg += "')";
  return msg;
}

// Compiles each pattern once; the patterns are the constants above.
bool matches(std::string_view v, const char* fmt) {
  static const std::regex kLabel(kLabelFmt), kSubdomain(kSubdomainFmt), kQualified(kQualifiedFmt),
      kLabelValue(kLabelValueFmt), kPortName(kPortNameFmt);
  const std::regex* re = fmt == kLabelFmt           ? &kLabel
                         : fmt == kSubdomainFmt     ? &kSubdomain
                         : fmt == kQualifiedFmt     ? &kQualified
                         : fmt == kLabelValueFmt    ? &kLabelValue
                                                    : &kPortName;
  return std::regex_match(v.begin(), v.end(), *re);
}

}  // namespace

std::string maxLenError(size_t length) { return "must be no more than " + std::to_string(length) + " characters"; }

std::string inclusiveRangeError(int64_t lo, int64_t hi) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive";
}

std::vector<std::string> isDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  if (!matches(value, kLabelFmt)) errs.push_back(regexError(kLabelErr, kLabelFmt, {"my-name", "123-abc"}));
  return errs;
}

std::vector<std::string> isDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(maxLenError(253));
  if (!matches(value, kSubdomainFmt)) errs.push_back(regexError(kSubdomainErr, kSubdomainFmt, {"example.com"}));
  return errs;
}

std::vector<std::string> isQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " + regexError(kQualifiedErr, kQualifiedFmt, {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (auto& m : isDns1123Subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + maxLenError(63));
  }
  if (!matches(name, kQualifiedFmt))
    errs.push_back("name part " + regexError(kQualifiedErr, kQualifiedFmt, {"MyName", "my.name", "123-abc"}));
  return errs;
}

std::vector<std::string> isValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  if (!matches(value, kLabelValueFmt))
    errs.push_back(regexError(kLabelValueErr, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  return errs;
}

std::vector<std::string> isValidPortName(std::string_view port) {
  std::vector<std::string> errs;
  if (port.size() > 15) errs.push_back(maxLenError(15));
  if (!matches(port, kPortNameFmt))
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (port.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos)
    errs.push_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!port.empty() && (port.front() == '-' || port.back() == '-'))
    errs.push_back("must not begin or end with a hyphen");
  return errs;
}

std::vector<std::string> isValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {inclusiveRangeError(1, 65535)};
}

}  // namespace peapod::api
