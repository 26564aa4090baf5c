// Netlink message building and parsing (see netlink_message.h).
#include "sys/netlink_message.h"

#include <arpa/inet.h>
#include <linux/netlink.h>

#include <cstdio>

namespace peapod::sys {
namespace {

nlmsghdr* hdr(std::vector<uint8_t>& buf) { return reinterpret_cast<nlmsghdr*>(buf.data()); }
const nlmsghdr* hdr(const std::vector<uint8_t>& buf) {
  return reinterpret_cast<const nlmsghdr*>(buf.data());
}

}  // namespace

NetlinkMessage::NetlinkMessage(uint16_t type, uint16_t flags) {
  buf_.resize(NLMSG_HDRLEN);
  nlmsghdr* h = hdr(buf_);
  h->nlmsg_len = NLMSG_HDRLEN;
  h->nlmsg_type = type;
  h->nlmsg_flags = flags;
}

void NetlinkMessage::putRaw(const void* data, size_t len) {
  size_t at = buf_.size();
  buf_.resize(at + NLMSG_ALIGN(len), 0);
  if (len) std::memcpy(buf_.data() + at, data, len);
  hdr(buf_)->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

void NetlinkMessage::putAttr(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  size_t at = buf_.size();
  buf_.resize(at + NLA_HDRLEN + NLA_ALIGN(len), 0);
  std::memcpy(buf_.data() + at, &a, sizeof(a));
  if (len) std::memcpy(buf_.data() + at + NLA_HDRLEN, data, len);
  hdr(buf_)->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

void NetlinkMessage::putString(uint16_t type, std::string_view s) {
  std::string z(s);  // copy to get the terminating NUL the kernel expects
  putAttr(type, z.c_str(), z.size() + 1);
}

size_t NetlinkMessage::beginNested(uint16_t type) {
  size_t at = buf_.size();
  putAttr(type | NLA_F_NESTED, nullptr, 0);
  return at;
}

void NetlinkMessage::endNested(size_t token) {
  nlattr a;
  std::memcpy(&a, buf_.data() + token, sizeof(a));
  a.nla_len = static_cast<uint16_t>(buf_.size() - token);
  std::memcpy(buf_.data() + token, &a, sizeof(a));
}

void NetlinkMessage::setSequence(uint32_t seq) { hdr(buf_)->nlmsg_seq = seq; }
uint32_t NetlinkMessage::sequence() const { return hdr(buf_)->nlmsg_seq; }
void NetlinkMessage::addFlags(uint16_t flags) { hdr(buf_)->nlmsg_flags |= flags; }
uint16_t NetlinkMessage::flags() const { return hdr(buf_)->nlmsg_flags; }
uint16_t NetlinkMessage::type() const { return hdr(buf_)->nlmsg_type; }

std::optional<uint32_t> NetlinkAttr::u32() const {
  if (data.size() < 4) return std::nullopt;
  uint32_t v;
  std::memcpy(&v, data.data(), 4);
  return v;
}

std::string NetlinkAttr::str() const {
  std::string s(reinterpret_cast<const char*>(data.data()), data.size());
  if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
  return s;
}

std::vector<NetlinkAttr> parseAttrs(std::span<const uint8_t> data) {
  std::vector<NetlinkAttr> out;
  size_t off = 0;
  while (off + NLA_HDRLEN <= data.size()) {
    nlattr a;
    std::memcpy(&a, data.data() + off, sizeof(a));
    if (a.nla_len < NLA_HDRLEN || off + a.nla_len > data.size()) break;
    out.push_back({static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
                   data.subspan(off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN)});
    off += NLA_ALIGN(a.nla_len);
  }
  return out;
}

std::optional<NetlinkAttr> findAttr(std::span<const uint8_t> data, uint16_t type) {
  for (const NetlinkAttr& a : parseAttrs(data))
    if (a.type == type) return a;
  return std::nullopt;
}

std::span<const uint8_t> NetlinkReply::attrs(size_t fixedLen) const {
  size_t skip = NLMSG_ALIGN(fixedLen);
  if (payload.size() <= skip) return {};
  return payload.subspan(skip);
}

std::vector<NetlinkReply> parseMessages(std::span<const uint8_t> datagram) {
  std::vector<NetlinkReply> out;
  size_t off = 0;
  while (off + NLMSG_HDRLEN <= datagram.size()) {
    NetlinkReply r;
    std::memcpy(&r.header, datagram.data() + off, sizeof(nlmsghdr));
    uint32_t len = r.header.nlmsg_len;
    if (len < NLMSG_HDRLEN || off + len > datagram.size()) break;
    r.payload = datagram.subspan(off + NLMSG_HDRLEN, len - NLMSG_HDRLEN);
    out.push_back(r);
    off += NLMSG_ALIGN(len);
  }
  return out;
}

std::optional<NetlinkError> parseError(const NetlinkReply& reply) {
  if (reply.header.nlmsg_type != NLMSG_ERROR) return std::nullopt;
  nlmsgerr e;
  if (!reply.fixed(&e)) return std::nullopt;
  NetlinkError out;
  out.err = -e.error;
  out.seq = e.msg.nlmsg_seq;
  // With NETLINK_EXT_ACK the TLVs follow the (possibly capped) echoed request.
  if (reply.header.nlmsg_flags & NLM_F_ACK_TLVS) {
    size_t echoed = (reply.header.nlmsg_flags & NLM_F_CAPPED) ? 0 : e.msg.nlmsg_len - NLMSG_HDRLEN;
    size_t fixedLen = sizeof(nlmsgerr) + echoed;
    if (reply.payload.size() > fixedLen) {
      if (auto m = findAttr(reply.attrs(fixedLen), NLMSGERR_ATTR_MSG)) out.message = m->str();
    }
  }
  return out;
}

std::optional<uint32_t> parseIPv4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::string s(text);
  in_addr a;
  // inet_pton accepts only the strict dotted-quad form (no octal, no short forms).
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string formatIPv4(uint32_t hostOrder) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", hostOrder >> 24, (hostOrder >> 16) & 0xff,
                (hostOrder >> 8) & 0xff, hostOrder & 0xff);
  return buf;
}

}  // namespace peapod::sys
