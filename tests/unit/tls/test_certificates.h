// Certificates made with OpenSSL's APIs for the TLS tests: self-signed or issued by another test
// certificate, with chosen names, validity, serial and key type, written as PEM files (chain and key) into
// a directory, so that ServerContext and the certificate checks load them the way they load an
// operator's files.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <string>

#include "engine/tls/handshake_types.h"
#include "engine/tls/openssl_ptr.h"

namespace tollgate::tls::testing {

enum class KeyType { kEcdsaP256, kRsa2048 };

// What to put in a test certificate. Times are seconds since the epoch.
struct CertificateSpec {
  KeyType key_type = KeyType::kEcdsaP256;
  std::string common_name;
  std::string san;  // "DNS:a.example,DNS:*.a.example"; empty for none
  int64_t not_before = std::time(nullptr) - 3600;
  int64_t not_after = std::time(nullptr) + 7 * 86400;
  long serial = 1;
  bool ca = false;      // basicConstraints CA:TRUE, for an issuer
  bool key_ids = true;  // subject and authority key identifiers; without, only names link a chain
};

struct TestCertificate {
  X509Ptr cert;
  KeyPtr key;
};

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signed by `issuer`'s key with its subject as issuer name, or self-signed when `issuer` is null.
inline TestCertificate issue_certificate(const CertificateSpec& spec,
                                         const TestCertificate* issuer = nullptr) {
  TestCertificate out{X509Ptr(X509_new()),
                      KeyPtr(spec.key_type == KeyType::kEcdsaP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048))};
  X509* cert = out.cert.get();
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial);
  ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(spec.not_after));
  X509_set_pubkey(cert, out.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  if (spec.key_ids) add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (spec.key_ids && issuer != nullptr)
    add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
  if (!spec.san.empty()) add_extension(cert, issuer_cert, NID_subject_alt_name, spec.san);
  X509_sign(cert, issuer != nullptr ? issuer->key.get() : out.key.get(), EVP_sha256());
  return out;
}

// The certificates in order, as one PEM chain file.
inline bool write_chain_pem(const std::string& path, std::initializer_list<const TestCertificate*> chain) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = true;
  for (const TestCertificate* c : chain) ok = ok && PEM_write_X509(f, c->cert.get()) == 1;
  return std::fclose(f) == 0 && ok;
}

inline bool write_key_pem(const std::string& path, const TestCertificate& c) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = PEM_write_PrivateKey(f, c.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return std::fclose(f) == 0 && ok;
}

// Writes <dir>/<stem>.crt and <dir>/<stem>.key: a self-signed certificate with subject CN `common_name`
// and the DNS subjectAltNames in `san` ("DNS:a.example,DNS:*.a.example"; empty for none).
inline CertificateFiles make_certificate(const std::string& dir, const std::string& stem, KeyType type,
                                         const std::string& common_name, const std::string& san) {
  CertificateSpec spec;
  spec.key_type = type;
  spec.common_name = common_name;
  spec.san = san;
  const TestCertificate cert = issue_certificate(spec);
  CertificateFiles files{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
  write_chain_pem(files.chain_pem, {&cert});
  write_key_pem(files.key_pem, cert);
  return files;
}

}  // namespace tollgate::tls::testing
