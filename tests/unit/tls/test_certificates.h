// Self-signed certificates made with OpenSSL's APIs for the handshake tests, written as PEM files (chain
// and key) into a directory, so that ServerContext loads them the way it loads an operator's files.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>

#include "engine/tls/handshake_types.h"

namespace tollgate::tls::testing {

enum class KeyType { kEcdsaP256, kRsa2048 };

inline bool write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = cert != nullptr ? PEM_write_X509(f, cert) == 1
                                  : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return std::fclose(f) == 0 && ok;
}

// Writes <dir>/<stem>.crt and <dir>/<stem>.key: a certificate with subject CN `common_name` and the DNS
// subjectAltNames in `san` ("DNS:a.example,DNS:*.a.example"; empty for none).
inline CertificateFiles make_certificate(const std::string& dir, const std::string& stem, KeyType type,
                                         const std::string& common_name, const std::string& san) {
  EVP_PKEY* key = type == KeyType::kEcdsaP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  CertificateFiles files{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
  write_pem(files.chain_pem, cert, nullptr);
  write_pem(files.key_pem, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace tollgate::tls::testing
