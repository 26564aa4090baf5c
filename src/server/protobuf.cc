#include "server/protobuf.h"

#include <openssl/evp.h>

#include <functional>
#include <string_view>

namespace peapod::server {
namespace {

using nlohmann::json;

// A cursor over protobuf wire format; only what the kinds below use.
class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  bool done() const { return pos_ >= d_.size(); }
  bool varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= d_.size()) return false;
      auto b = static_cast<uint8_t>(d_[pos_++]);
      out |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  // Next field: number, wire type, and for length-delimited fields the bytes.
  bool next(uint32_t& field, uint32_t& wire, std::string_view& bytes, uint64_t& value) {
    uint64_t key;
    if (!varint(key)) return false;
    field = static_cast<uint32_t>(key >> 3);
    wire = static_cast<uint32_t>(key & 7);
    switch (wire) {
      case 0: return varint(value);
      case 1: pos_ += 8; return pos_ <= d_.size();
      case 5: pos_ += 4; return pos_ <= d_.size();
      case 2: {
        uint64_t len;
        if (!varint(len) || pos_ + len > d_.size()) return false;
        bytes = d_.substr(pos_, len);
        pos_ += len;
        return true;
      }
      default: return false;
    }
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

using FieldFn = std::function<bool(uint32_t field, std::string_view bytes, uint64_t value)>;

bool each(std::string_view msg, const FieldFn& fn) {
  Reader r(msg);
  while (!r.done()) {
    uint32_t field, wire;
    std::string_view bytes;
    uint64_t value = 0;
    if (!r.next(field, wire, bytes, value)) return false;
    if (!fn(field, bytes, value)) return false;
  }
  return true;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// map<string, string|bytes> entry: 1 key, 2 value.
bool mapEntry(std::string_view entry, json& into, bool bytes) {
  std::string key, value;
  bool ok = each(entry, [&](uint32_t f, std::string_view b, uint64_t) {
    if (f == 1) key = b;
    if (f == 2) value = b;
    return true;
  });
  into[key] = bytes ? base64(value) : value;
  return ok;
}

// ObjectMeta: 1 name, 2 generateName, 3 namespace, 11 labels, 12 annotations.
bool objectMeta(std::string_view msg, json& meta) {
  meta = json::object();
  return each(msg, [&](uint32_t f, std::string_view b, uint64_t) {
    if (b.empty()) return true;  // generated marshalling writes empty strings too
    switch (f) {
      case 1: meta["name"] = std::string(b); break;
      case 2: meta["generateName"] = std::string(b); break;
      case 3: meta["namespace"] = std::string(b); break;
      case 11: return mapEntry(b, meta["labels"], false);
      case 12: return mapEntry(b, meta["annotations"], false);
      default: break;
    }
    return true;
  });
}

}  // namespace

bool isProtobufContentType(const std::string& ct) { return ct.find("application/vnd.kubernetes.protobuf") == 0; }

Result<json> decodeK8sProtobuf(const std::string& body) {
  if (body.size() < 4 || body.compare(0, 4, std::string("k8s\0", 4)) != 0) return Error("not a Kubernetes protobuf object");
  std::string apiVersion, kind;
  std::string_view raw;
  bool ok = each(std::string_view(body).substr(4), [&](uint32_t f, std::string_view b, uint64_t) {
    if (f == 1) {
      return each(b, [&](uint32_t tf, std::string_view tb, uint64_t) {
        if (tf == 1) apiVersion = tb;
        if (tf == 2) kind = tb;
        return true;
      });
    }
    if (f == 2) raw = b;
    return true;
  });
  if (!ok) return Error("malformed protobuf envelope");
  if (apiVersion != "v1" || (kind != "Namespace" && kind != "ConfigMap" && kind != "Secret")) {
    return Error("protobuf is not supported for " + apiVersion + "/" + kind);
  }
  json obj = {{"apiVersion", apiVersion}, {"kind", kind}};
  ok = each(raw, [&](uint32_t f, std::string_view b, uint64_t v) {
    if (f == 1) return objectMeta(b, obj["metadata"]);
    if (kind == "ConfigMap") {
      if (f == 2) return mapEntry(b, obj["data"], false);
      if (f == 3) return mapEntry(b, obj["binaryData"], true);
      if (f == 4) obj["immutable"] = v != 0;
    } else if (kind == "Secret") {
      if (f == 2) return mapEntry(b, obj["data"], true);
      if (f == 3) obj["type"] = std::string(b);
      if (f == 4) return mapEntry(b, obj["stringData"], false);
      if (f == 5) obj["immutable"] = v != 0;
    }
    return true;
  });
  if (!ok) return Error("malformed " + kind + " in protobuf body");
  return obj;
}

}  // namespace peapod::server
