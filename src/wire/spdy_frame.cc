// SPDY/3.1 frame parsing and serialisation over a byte buffer.
#include "wire/spdy_frame.h"

namespace peapod::wire {
namespace {

constexpr uint16_t kVersion = 3;
constexpr size_t kHeaderSize = 8;

uint32_t u32(std::string_view s, size_t at) {
  auto b = reinterpret_cast<const unsigned char*>(s.data()) + at;
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

void putU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// The 8-byte frame header: control bit, version and type, or a stream id; then flags and length.
std::string frameHead(bool control, uint32_t first31, uint8_t flags, size_t length) {
  std::string out;
  out.reserve(kHeaderSize + length);
  putU32(out, control ? (0x80000000u | (uint32_t{kVersion} << 16) | first31) : (first31 & 0x7fffffffu));
  putU32(out, (uint32_t{flags} << 24) | static_cast<uint32_t>(length));
  return out;
}

Error malformed(std::string_view type, std::string_view what) {
  return Error("spdy " + std::string(type) + ": " + std::string(what));
}

}  // namespace

SpdyFrame SpdyFrame::dataFrame(uint32_t streamId, std::string data, bool fin) {
  SpdyFrame f;
  f.streamId = streamId;
  f.data = std::move(data);
  f.flags = fin ? kSpdyFlagFin : 0;
  return f;
}

SpdyFrame SpdyFrame::synStream(uint32_t streamId, SpdyHeaders headers, bool fin) {
  SpdyFrame f;
  f.type = SpdyFrameType::kSynStream;
  f.streamId = streamId;
  f.headers = std::move(headers);
  f.flags = fin ? kSpdyFlagFin : 0;
  return f;
}

SpdyFrame SpdyFrame::synReply(uint32_t streamId, SpdyHeaders headers, bool fin) {
  SpdyFrame f;
  f.type = SpdyFrameType::kSynReply;
  f.streamId = streamId;
  f.headers = std::move(headers);
  f.flags = fin ? kSpdyFlagFin : 0;
  return f;
}

SpdyFrame SpdyFrame::rstStream(uint32_t streamId, uint32_t status) {
  SpdyFrame f;
  f.type = SpdyFrameType::kRstStream;
  f.streamId = streamId;
  f.value = status;
  return f;
}

SpdyFrame SpdyFrame::ping(uint32_t id) {
  SpdyFrame f;
  f.type = SpdyFrameType::kPing;
  f.value = id;
  return f;
}

SpdyFrame SpdyFrame::goAway(uint32_t lastGoodStreamId, uint32_t status) {
  SpdyFrame f;
  f.type = SpdyFrameType::kGoAway;
  f.streamId = lastGoodStreamId;
  f.value = status;
  return f;
}

SpdyFrame SpdyFrame::windowUpdate(uint32_t streamId, uint32_t delta) {
  SpdyFrame f;
  f.type = SpdyFrameType::kWindowUpdate;
  f.streamId = streamId;
  f.value = delta;
  return f;
}

std::string_view spdyFrameTypeName(SpdyFrameType type) {
  switch (type) {
    case SpdyFrameType::kData: return "DATA";
    case SpdyFrameType::kSynStream: return "SYN_STREAM";
    case SpdyFrameType::kSynReply: return "SYN_REPLY";
    case SpdyFrameType::kRstStream: return "RST_STREAM";
    case SpdyFrameType::kSettings: return "SETTINGS";
    case SpdyFrameType::kPing: return "PING";
    case SpdyFrameType::kGoAway: return "GOAWAY";
    case SpdyFrameType::kHeaders: return "HEADERS";
    case SpdyFrameType::kWindowUpdate: return "WINDOW_UPDATE";
  }
  return "UNKNOWN";
}

SpdyFramer::SpdyFramer(size_t maxFrameLength) : maxFrameLength_(maxFrameLength) {}

void SpdyFramer::feed(std::string_view bytes) {
  // Drop what was parsed before growing, so a long session does not keep every frame.
  if (pos_ > 0 && pos_ >= in_.size() / 2) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  in_.append(bytes);
}

Result<std::optional<SpdyFrame>> SpdyFramer::next() {
  while (true) {
    std::string_view avail(in_.data() + pos_, in_.size() - pos_);
    if (avail.size() < kHeaderSize) return std::optional<SpdyFrame>();
    uint32_t first = u32(avail, 0), second = u32(avail, 4);
    uint8_t flags = static_cast<uint8_t>(second >> 24);
    size_t length = second & 0xffffff;
    if (length > maxFrameLength_) return Error("spdy: frame of " + std::to_string(length) + " bytes is too large");
    if (avail.size() < kHeaderSize + length) return std::optional<SpdyFrame>();
    std::string_view payload = avail.substr(kHeaderSize, length);
    pos_ += kHeaderSize + length;
    if ((first & 0x80000000u) == 0) {
      SpdyFrame f = SpdyFrame::dataFrame(first & 0x7fffffffu, std::string(payload));
      f.flags = flags;
      if (f.streamId == 0) return Error("spdy DATA: stream id 0");
      return std::optional<SpdyFrame>(std::move(f));
    }
    uint16_t version = static_cast<uint16_t>((first >> 16) & 0x7fff);
    if (version != kVersion) return Error("spdy: unsupported version " + std::to_string(version));
    uint16_t type = static_cast<uint16_t>(first & 0xffff);
    bool known = type >= 1 && type <= 9 && type != 5;
    if (!known) continue;  // CREDENTIAL and unknown control frames are ignored (spec 2.2.1)
    PEAPOD_ASSIGN_OR_RETURN(SpdyFrame f, parseControl(type, flags, payload));
    return std::optional<SpdyFrame>(std::move(f));
  }
}

Result<SpdyFrame> SpdyFramer::parseControl(uint16_t rawType, uint8_t flags, std::string_view p) {
  SpdyFrame f;
  f.type = static_cast<SpdyFrameType>(rawType);
  f.flags = flags;
  std::string_view name = spdyFrameTypeName(f.type);
  auto needStream = [&]() -> Status {
    if (f.streamId == 0) return malformed(name, "stream id 0");
    return {};
  };
  switch (f.type) {
    case SpdyFrameType::kSynStream: {
      if (p.size() < 10) return malformed(name, "too short");
      f.streamId = u32(p, 0) & 0x7fffffffu;
      f.associatedStreamId = u32(p, 4) & 0x7fffffffu;
      f.priority = static_cast<uint8_t>(static_cast<unsigned char>(p[8]) >> 5);
      // Inflate before judging the frame: the shared zlib stream must see every block.
      PEAPOD_ASSIGN_OR_RETURN(f.headers, inflater_.decompress(p.substr(10)));
      PEAPOD_TRY(needStream());
      return f;
    }
    case SpdyFrameType::kSynReply:
    case SpdyFrameType::kHeaders: {
      if (p.size() < 4) return malformed(name, "too short");
      f.streamId = u32(p, 0) & 0x7fffffffu;
      PEAPOD_ASSIGN_OR_RETURN(f.headers, inflater_.decompress(p.substr(4)));
      PEAPOD_TRY(needStream());
      return f;
    }
    case SpdyFrameType::kRstStream:
    case SpdyFrameType::kGoAway:
    case SpdyFrameType::kWindowUpdate: {
      if (p.size() != 8) return malformed(name, "length is not 8");
      f.streamId = u32(p, 0) & 0x7fffffffu;
      f.value = u32(p, 4);
      if (f.type == SpdyFrameType::kWindowUpdate) {
        f.value &= 0x7fffffffu;
        if (f.value == 0) return malformed(name, "zero delta");
      }
      if (f.type == SpdyFrameType::kRstStream) {
        if (f.value == 0) return malformed(name, "status 0");
        PEAPOD_TRY(needStream());
      }
      return f;
    }
    case SpdyFrameType::kPing: {
      if (p.size() != 4) return malformed(name, "length is not 4");
      f.value = u32(p, 0);
      return f;
    }
    case SpdyFrameType::kSettings: {
      if (p.size() < 4) return malformed(name, "too short");
      uint32_t n = u32(p, 0);
      if (p.size() != 4 + size_t{n} * 8) return malformed(name, "length does not match the entry count");
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t idWord = u32(p, 4 + i * 8);
        f.settings.push_back({static_cast<uint8_t>(idWord >> 24), idWord & 0xffffff, u32(p, 8 + i * 8)});
      }
      return f;
    }
    case SpdyFrameType::kData:
      break;
  }
  return malformed(name, "unexpected type");
}

Result<std::string> SpdyFramer::encode(const SpdyFrame& f) {
  const uint32_t ctrl = static_cast<uint32_t>(f.type);
  switch (f.type) {
    case SpdyFrameType::kData: {
      if (f.data.size() > kSpdyMaxDataLength) return Error("spdy DATA: payload too large");
      std::string out = frameHead(false, f.streamId, f.flags, f.data.size());
      out += f.data;
      return out;
    }
    case SpdyFrameType::kSynStream: {
      PEAPOD_ASSIGN_OR_RETURN(std::string block, deflater_.compress(f.headers));
      std::string out = frameHead(true, ctrl, f.flags, 10 + block.size());
      putU32(out, f.streamId & 0x7fffffffu);
      putU32(out, f.associatedStreamId & 0x7fffffffu);
      out.push_back(static_cast<char>((f.priority & 7) << 5));
      out.push_back(0);  // slot
      out += block;
      return out;
    }
    case SpdyFrameType::kSynReply:
    case SpdyFrameType::kHeaders: {
      PEAPOD_ASSIGN_OR_RETURN(std::string block, deflater_.compress(f.headers));
      std::string out = frameHead(true, ctrl, f.flags, 4 + block.size());
      putU32(out, f.streamId & 0x7fffffffu);
      out += block;
      return out;
    }
    case SpdyFrameType::kRstStream:
    case SpdyFrameType::kGoAway:
    case SpdyFrameType::kWindowUpdate: {
      std::string out = frameHead(true, ctrl, f.flags, 8);
      putU32(out, f.streamId & 0x7fffffffu);
      putU32(out, f.value);
      return out;
    }
    case SpdyFrameType::kPing: {
      std::string out = frameHead(true, ctrl, f.flags, 4);
      putU32(out, f.value);
      return out;
    }
    case SpdyFrameType::kSettings: {
      std::string out = frameHead(true, ctrl, f.flags, 4 + 8 * f.settings.size());
      putU32(out, static_cast<uint32_t>(f.settings.size()));
      for (const auto& s : f.settings) {
        putU32(out, (uint32_t{s.flags} << 24) | (s.id & 0xffffff));
        putU32(out, s.value);
      }
      return out;
    }
  }
  return Error("spdy: cannot encode frame type " + std::to_string(ctrl));
}

}  // namespace peapod::wire
