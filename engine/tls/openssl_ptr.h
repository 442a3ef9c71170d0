// Owning pointers for the OpenSSL objects that loading certificates and keys handles, so every path out of
// a loader frees what it read.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace tollgate::tls {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ChainDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using ChainPtr = std::unique_ptr<STACK_OF(X509), ChainDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

}  // namespace tollgate::tls
