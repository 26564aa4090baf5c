#include "server/pki.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

namespace peapod::server {
namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status writeSecret(const fs::path& path, const std::string& data, mode_t mode) {
  fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error::sys("open", tmp.string());
  ::fchmod(fd, mode);
  ssize_t n = ::write(fd, data.data(), data.size());
  bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error::sys("write", tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error::sys("rename", path.string());
  return {};
}

std::string hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

Error sslError(const std::string& what) { return Error("tls: " + what + " failed"); }

std::string pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<Key> readKey(const std::string& text) {
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Key k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return sslError("read private key");
  return k;
}

Result<Cert> readCert(const std::string& text) {
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Cert c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!c) return sslError("read certificate");
  return c;
}

Status addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return sslError("extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

// A certificate for `key`, signed by issuerKey (self-signed when issuer is null).
Result<Cert> makeCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuerKey, bool ca,
                      const std::string& san) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("peapod"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert.get();
  if (ca) {
    PEAPOD_TRY(addExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE"));
    PEAPOD_TRY(addExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"));
    PEAPOD_TRY(addExt(cert.get(), signer, NID_subject_key_identifier, "hash"));
  } else {
    PEAPOD_TRY(addExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE"));
    PEAPOD_TRY(addExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
    PEAPOD_TRY(addExt(cert.get(), signer, NID_ext_key_usage, "serverAuth"));
    PEAPOD_TRY(addExt(cert.get(), signer, NID_subject_alt_name, san));
  }
  if (X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()) == 0) return sslError("sign certificate");
  return cert;
}

Result<Key> newKey() {
  Key k(EVP_EC_gen("P-256"));
  if (!k) return sslError("generate key");
  return k;
}

}  // namespace

Result<Pki> ensurePki(const fs::path& dir, const std::vector<std::string>& hosts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error("create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  Pki pki;
  fs::path caCrt = dir / "ca.crt", caKey = dir / "ca.key", crt = dir / "server.crt", key = dir / "server.key",
           token = dir / "token";
  if (!fs::exists(caCrt) || !fs::exists(caKey)) {
    PEAPOD_ASSIGN_OR_RETURN(Key k, newKey());
    PEAPOD_ASSIGN_OR_RETURN(Cert c, makeCert(k.get(), "peapod-ca", nullptr, nullptr, true, ""));
    PEAPOD_TRY(writeSecret(caKey, pem(k.get()), 0600));
    PEAPOD_TRY(writeSecret(caCrt, pem(c.get()), 0644));
    fs::remove(crt, ec);  // a new CA needs a new serving certificate
  }
  pki.caPem = slurp(caCrt);
  if (!fs::exists(crt) || !fs::exists(key)) {
    PEAPOD_ASSIGN_OR_RETURN(Key ca, readKey(slurp(caKey)));
    PEAPOD_ASSIGN_OR_RETURN(Cert caCert, readCert(pki.caPem));
    std::string san = "IP:127.0.0.1,IP:::1,DNS:localhost";
    for (const auto& h : hosts) {
      if (!h.empty() && h != "localhost") san += ",DNS:" + h;
    }
    PEAPOD_ASSIGN_OR_RETURN(Key k, newKey());
    PEAPOD_ASSIGN_OR_RETURN(Cert c, makeCert(k.get(), "peapod-apiserver", caCert.get(), ca.get(), false, san));
    PEAPOD_TRY(writeSecret(key, pem(k.get()), 0600));
    PEAPOD_TRY(writeSecret(crt, pem(c.get()), 0644));
  }
  pki.certPem = slurp(crt);
  pki.keyPem = slurp(key);
  if (!fs::exists(token)) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return sslError("random token");
    PEAPOD_TRY(writeSecret(token, hex(raw, sizeof raw), 0600));
  }
  pki.token = slurp(token);
  while (!pki.token.empty() && (pki.token.back() == '\n' || pki.token.back() == ' ')) pki.token.pop_back();
  if (pki.token.empty()) return Error("empty token in " + token.string());
  return pki;
}

Result<std::shared_ptr<boost::asio::ssl::context>> serverTlsContext(const Pki& pki) {
  namespace ssl = boost::asio::ssl;
  try {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ctx->use_certificate_chain(boost::asio::buffer(pki.certPem));
    ctx->use_private_key(boost::asio::buffer(pki.keyPem), ssl::context::pem);
    return ctx;
  } catch (const std::exception& e) {
    return Error(std::string("tls context: ") + e.what());
  }
}

std::string kubeconfigText(const Pki& pki, const std::string& server) {
  std::string ca(4 * ((pki.caPem.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(ca.data()),
                          reinterpret_cast<const unsigned char*>(pki.caPem.data()), static_cast<int>(pki.caPem.size()));
  ca.resize(static_cast<size_t>(n));
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: peapod\n"
         "  cluster:\n"
         "    server: " + server + "\n"
         "    certificate-authority-data: " + ca + "\n"
         "users:\n"
         "- name: peapod-admin\n"
         "  user:\n"
         "    token: " + pki.token + "\n"
         "contexts:\n"
         "- name: peapod\n"
         "  context:\n"
         "    cluster: peapod\n"
         "    user: peapod-admin\n"
         "    namespace: default\n"
         "current-context: peapod\n"
         "preferences: {}\n";
}

Status writeKubeconfig(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  return writeSecret(path, text, 0600);
}

}  // namespace peapod::server
