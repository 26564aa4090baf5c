// Netlink wire format: a builder for one request (header, family struct, nested
// attributes) and a parser for replies. Pure byte handling, no syscalls.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace peapod::sys {

// One netlink message under construction. Lengths (nlmsg_len, nested nla_len) are
// kept up to date as parts are appended, so bytes() is always a valid message.
class NetlinkMessage {
 public:
  NetlinkMessage(uint16_t type, uint16_t flags);

  // Appends the fixed family header (ifinfomsg, ifaddrmsg, rtmsg); call once, first.
  template <class T>
  void putStruct(const T& value) {
    putRaw(&value, sizeof(T));
  }
  void putAttr(uint16_t type, const void* data, size_t len);
  void putU8(uint16_t type, uint8_t v) { putAttr(type, &v, 1); }
  void putU32(uint16_t type, uint32_t v) { putAttr(type, &v, 4); }
  void putS32(uint16_t type, int32_t v) { putAttr(type, &v, 4); }
  // A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND).
  void putString(uint16_t type, std::string_view s);

  // Opens a nested attribute; returns a token to pass to endNested().
  size_t beginNested(uint16_t type);
  void endNested(size_t token);

  void setSequence(uint32_t seq);
  uint32_t sequence() const;
  void addFlags(uint16_t flags);
  uint16_t flags() const;
  uint16_t type() const;
  const std::vector<uint8_t>& bytes() const { return buf_; }

 private:
  void putRaw(const void* data, size_t len);

  std::vector<uint8_t> buf_;
};

// One attribute of a received message: its type (NLA_F_* flags stripped) and payload.
struct NetlinkAttr {
  uint16_t type = 0;
  std::span<const uint8_t> data;

  std::optional<uint32_t> u32() const;
  std::string str() const;  // up to the first NUL
};

// Splits an attribute stream; stops at the first malformed attribute.
std::vector<NetlinkAttr> parseAttrs(std::span<const uint8_t> data);
// The first attribute of `type`, if any.
std::optional<NetlinkAttr> findAttr(std::span<const uint8_t> data, uint16_t type);

// One received message: header plus its payload (family struct followed by attributes).
struct NetlinkReply {
  nlmsghdr header{};
  std::span<const uint8_t> payload;

  // The family struct at the start of the payload (false when too short).
  template <class T>
  bool fixed(T* out) const {
    if (payload.size() < sizeof(T)) return false;
    std::memcpy(out, payload.data(), sizeof(T));
    return true;
  }
  // The attributes after a family struct of `fixedLen` bytes (NLMSG_ALIGNed).
  std::span<const uint8_t> attrs(size_t fixedLen) const;
};

// Splits a datagram from the kernel into messages; stops at the first malformed one.
std::vector<NetlinkReply> parseMessages(std::span<const uint8_t> datagram);

// Decodes an NLMSG_ERROR payload: the (positive) errno, 0 for an ACK, and the extended
// ack message (NLMSGERR_ATTR_MSG) when the kernel sent one.
struct NetlinkError {
  int err = 0;
  uint32_t seq = 0;
  std::string message;
};
std::optional<NetlinkError> parseError(const NetlinkReply& reply);

// IPv4 text <-> network-order bytes; nullopt for anything but a dotted quad.
std::optional<uint32_t> parseIPv4(std::string_view text);  // host byte order
std::string formatIPv4(uint32_t hostOrder);

}  // namespace peapod::sys
