// Unit tests for the netlink message builder and parser (byte layout, nesting, errors).
#include "sys/netlink_message.h"

#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

namespace peapod::sys {
namespace {

uint16_t u16At(const std::vector<uint8_t>& b, size_t off) {
  uint16_t v;
  std::memcpy(&v, b.data() + off, 2);
  return v;
}
uint32_t u32At(const std::vector<uint8_t>& b, size_t off) {
  uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}

TEST(NetlinkMessage, HeaderOnly) {
  NetlinkMessage m(RTM_GETLINK, NLM_F_REQUEST);
  ASSERT_EQ(m.bytes().size(), NLMSG_HDRLEN);
  EXPECT_EQ(u32At(m.bytes(), 0), NLMSG_HDRLEN);
  EXPECT_EQ(u16At(m.bytes(), 4), RTM_GETLINK);
  EXPECT_EQ(u16At(m.bytes(), 6), NLM_F_REQUEST);
  m.setSequence(42);
  m.addFlags(NLM_F_ACK);
  EXPECT_EQ(m.sequence(), 42u);
  EXPECT_EQ(m.flags(), NLM_F_REQUEST | NLM_F_ACK);
}

TEST(NetlinkMessage, StringAttributeIsNulTerminatedAndPadded) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  m.putStruct(ifi);
  m.putString(IFLA_IFNAME, "eth0");  // 4 + 5 = 9 bytes, padded to 12
  size_t at = NLMSG_HDRLEN + sizeof(ifinfomsg);
  ASSERT_EQ(m.bytes().size(), at + 12);
  EXPECT_EQ(u32At(m.bytes(), 0), at + 12);
  EXPECT_EQ(u16At(m.bytes(), at), 9);  // nla_len excludes padding
  EXPECT_EQ(u16At(m.bytes(), at + 2), IFLA_IFNAME);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.bytes().data() + at + 4)), "eth0");
}

TEST(NetlinkMessage, NestedAttributesCarryTotalLengthAndFlag) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  m.putStruct(ifi);
  size_t info = m.beginNested(IFLA_LINKINFO);
  m.putString(IFLA_INFO_KIND, "veth");           // 4+5 -> 12
  size_t data = m.beginNested(IFLA_INFO_DATA);   // 4
  size_t peer = m.beginNested(VETH_INFO_PEER);   // 4
  m.putStruct(ifi);                              // 16
  m.putU32(IFLA_NET_NS_FD, 7);                   // 8
  m.endNested(peer);
  m.endNested(data);
  m.endNested(info);
  size_t base = NLMSG_HDRLEN + sizeof(ifinfomsg);
  EXPECT_EQ(u16At(m.bytes(), base), 4 + 12 + 4 + 4 + 16 + 8);
  EXPECT_EQ(u16At(m.bytes(), base + 2), IFLA_LINKINFO | NLA_F_NESTED);
  EXPECT_EQ(u16At(m.bytes(), base + 16), 4 + 4 + 16 + 8);       // INFO_DATA
  EXPECT_EQ(u16At(m.bytes(), base + 20), 4 + 16 + 8);           // VETH_INFO_PEER
  EXPECT_EQ(u16At(m.bytes(), base + 22), VETH_INFO_PEER | NLA_F_NESTED);
  EXPECT_EQ(u32At(m.bytes(), base + 24 + 16 + 4), 7u);          // the netns fd
  EXPECT_EQ(u32At(m.bytes(), 0), m.bytes().size());

  // The parser walks it back.
  NetlinkReply r;
  auto msgs = parseMessages(m.bytes());
  ASSERT_EQ(msgs.size(), 1u);
  auto attrs = parseAttrs(msgs[0].attrs(sizeof(ifinfomsg)));
  ASSERT_EQ(attrs.size(), 1u);
  EXPECT_EQ(attrs[0].type, IFLA_LINKINFO);  // NLA_F_NESTED stripped
  auto kind = findAttr(attrs[0].data, IFLA_INFO_KIND);
  ASSERT_TRUE(kind);
  EXPECT_EQ(kind->str(), "veth");
  auto d = findAttr(attrs[0].data, IFLA_INFO_DATA);
  ASSERT_TRUE(d);
  auto p = findAttr(d->data, VETH_INFO_PEER);
  ASSERT_TRUE(p);
  auto fd = findAttr(p->data.subspan(sizeof(ifinfomsg)), IFLA_NET_NS_FD);
  ASSERT_TRUE(fd);
  EXPECT_EQ(fd->u32(), 7u);
}

TEST(NetlinkMessage, ParsesSeveralMessagesAndStopsAtGarbage) {
  NetlinkMessage a(RTM_NEWLINK, 0), b(NLMSG_DONE, 0);
  a.putU32(IFLA_MTU, 1500);
  std::vector<uint8_t> dgram = a.bytes();
  dgram.insert(dgram.end(), b.bytes().begin(), b.bytes().end());
  dgram.push_back(0xff);  // trailing junk shorter than a header
  auto msgs = parseMessages(dgram);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].header.nlmsg_type, NLMSG_DONE);
  std::vector<uint8_t> truncated(a.bytes().begin(), a.bytes().end() - 2);
  EXPECT_TRUE(parseMessages(truncated).empty());
}

std::vector<uint8_t> errorDatagram(int error, uint32_t seq, std::string_view extMsg) {
  NetlinkMessage m(NLMSG_ERROR, extMsg.empty() ? NLM_F_CAPPED : NLM_F_CAPPED | NLM_F_ACK_TLVS);
  nlmsgerr e{};
  e.error = -error;
  e.msg.nlmsg_seq = seq;
  e.msg.nlmsg_len = 64;  // the echoed request; capped, so only its header is present
  m.putStruct(e);
  if (!extMsg.empty()) m.putString(NLMSGERR_ATTR_MSG, extMsg);
  return m.bytes();
}

TEST(NetlinkError, DecodesAckErrnoAndExtendedMessage) {
  auto ack = parseMessages(errorDatagram(0, 3, ""));
  ASSERT_EQ(ack.size(), 1u);
  auto e = parseError(ack[0]);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, 0);
  EXPECT_EQ(e->seq, 3u);

  auto fail = parseMessages(errorDatagram(EEXIST, 4, "Link already exists"));
  e = parseError(fail[0]);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, EEXIST);
  EXPECT_EQ(e->message, "Link already exists");

  NetlinkMessage notError(RTM_NEWLINK, 0);
  EXPECT_FALSE(parseError(parseMessages(notError.bytes())[0]));
}

TEST(IPv4, ParseAndFormat) {
  EXPECT_EQ(parseIPv4("10.88.0.1"), 0x0a580001u);
  EXPECT_EQ(formatIPv4(0x0a580001u), "10.88.0.1");
  EXPECT_EQ(formatIPv4(0xffffffffu), "255.255.255.255");
  for (const char* bad : {"", "10.88.0", "10.88.0.256", "1.2.3.4.5", "a.b.c.d", "::1", " 1.2.3.4"})
    EXPECT_FALSE(parseIPv4(bad)) << bad;
}

}  // namespace
}  // namespace peapod::sys
