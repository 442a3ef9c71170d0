#include "engine/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "engine/tls/context_setup.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/record_size_limit.h"
#include "engine/tls/ticket_callback.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::tls {
namespace {

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

BioPtr open_file(const std::string& path, std::string& error) {
  errno = 0;
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    error = path + ": cannot open: " + (errno != 0 ? std::strerror(errno) : openssl_error());
    ERR_clear_error();
  }
  return bio;
}

struct LoadedCertificate {
  X509Ptr leaf;
  ChainPtr chain;  // intermediates, possibly empty
  KeyPtr key;
  std::vector<std::string> names;  // lowercase subjectAltName DNS names, sorted, unique
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::vector<std::string> dns_names(X509* leaf) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = gn->d.dNSName;
    names.push_back(lowercase({reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                               static_cast<size_t>(ASN1_STRING_length(s))}));
  }
  GENERAL_NAMES_free(sans);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool load(const CertificateFiles& files, LoadedCertificate& out, std::string& error) {
  BioPtr chain_bio = open_file(files.chain_pem, error);
  if (!chain_bio) return false;
  out.leaf.reset(PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr));
  if (!out.leaf) {
    error = files.chain_pem + ": no PEM certificate: " + openssl_error();
    return false;
  }
  out.chain.reset(sk_X509_new_null());
  while (X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr)) {
    if (!out.chain || sk_X509_push(out.chain.get(), next) == 0) {
      X509_free(next);
      error = files.chain_pem + ": out of memory";
      return false;
    }
  }
  ERR_clear_error();  // the read that ended the loop found no further PEM block: expected

  BioPtr key_bio = open_file(files.key_pem, error);
  if (!key_bio) return false;
  out.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!out.key) {
    error = files.key_pem + ": no PEM private key: " + openssl_error();
    return false;
  }
  if (X509_check_private_key(out.leaf.get(), out.key.get()) != 1) {
    ERR_clear_error();
    error = files.key_pem + ": private key does not match the certificate in " + files.chain_pem;
    return false;
  }
  out.names = dns_names(out.leaf.get());
  return true;
}

bool configure(SSL_CTX* ctx, SecurityPolicy policy) {
  // Resumption is by stateless tickets only: the server-side session-ID cache, a locked table per
  // context shared by every core and not shared between cores' contexts, is off.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return apply_security_policy(ctx, policy) &&
         (SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0 &&
         // Early data (0-RTT) is off: its records would be ours to follow too.
         SSL_CTX_set_max_early_data(ctx, 0) == 1 &&
         // One TLS 1.3 ticket (OpenSSL sends 2 by default): each is a record we must count. A resumed
         // TLS 1.3 handshake sends one too; ServerHandshake counts whatever OpenSSL wrote.
         SSL_CTX_set_num_tickets(ctx, 1) == 1 &&
         // RFC 8449: the client's record size limit, followed by our record layer (record_size_limit.h).
         install_record_size_limit(ctx);
}

}  // namespace

std::unique_ptr<ServerContext> ServerContext::create(const std::vector<CertificateFiles>& certs,
                                                     SecurityPolicy policy, std::string& error,
                                                     std::shared_ptr<TicketKeyRing> tickets) {
  if (certs.empty()) {
    error = "no certificate configured";
    return nullptr;
  }
  std::unique_ptr<ServerContext> context(new ServerContext(policy));
  context->tickets_ = std::move(tickets);
  std::vector<std::vector<std::string>> context_names;  // the name set each context serves
  for (size_t i = 0; i < certs.size(); ++i) {
    LoadedCertificate cert;
    if (!load(certs[i], cert, error)) return nullptr;
    if (cert.names.empty() && i > 0) {
      error = certs[i].chain_pem +
              ": certificate has no subjectAltName DNS name (only the first, default one may lack them)";
      return nullptr;
    }
    auto same = std::find(context_names.begin(), context_names.end(), cert.names);
    size_t index = static_cast<size_t>(same - context_names.begin());
    if (same == context_names.end()) {
      if (context->contexts_.size() > std::numeric_limits<uint16_t>::max()) {
        error = certs[i].chain_pem + ": too many certificates";
        return nullptr;
      }
      SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
      if (ctx == nullptr) {
        error = "SSL_CTX_new: " + openssl_error();
        return nullptr;
      }
      context->contexts_.push_back(ctx);
      if (!configure(ctx, policy)) {
        error = "configuring the TLS context: " + openssl_error();
        return nullptr;
      }
      install_handshake_callbacks(ctx);
      // On every context, although OpenSSL asks the connection's first one (its session context): the
      // SNI callback may switch contexts, and which one is first is an implementation detail.
      if (context->tickets_) install_ticket_callback(ctx);
      context_names.push_back(cert.names);
      for (const std::string& name : cert.names) {
        auto& table = name.starts_with("*.") ? context->wildcard_ : context->exact_;
        table.push_back({name.starts_with("*.") ? name.substr(2) : name, static_cast<uint16_t>(index)});
      }
    }
    // override = 0: a second certificate of the same key type for the same names is a configuration
    // mistake (OpenSSL would silently keep only one).
    if (SSL_CTX_use_cert_and_key(context->contexts_[index], cert.leaf.get(), cert.key.get(), cert.chain.get(),
                                 0) != 1) {
      error = certs[i].chain_pem +
              ": cannot use this certificate (another one of the same key type for the "
              "same names?): " +
              openssl_error();
      return nullptr;
    }
  }
  // Stable: for a name two certificate sets both cover, the earlier entry (the first listed) is found.
  auto by_name = [](const Name& a, const Name& b) { return a.name < b.name; };
  std::stable_sort(context->exact_.begin(), context->exact_.end(), by_name);
  std::stable_sort(context->wildcard_.begin(), context->wildcard_.end(), by_name);
  return context;
}

ServerContext::~ServerContext() {
  for (SSL_CTX* ctx : contexts_) SSL_CTX_free(ctx);
}

const ServerContext::Name* ServerContext::find(const std::vector<Name>& names, std::string_view name) {
  auto it = std::lower_bound(names.begin(), names.end(), name,
                             [](const Name& n, std::string_view key) { return n.name < key; });
  return it != names.end() && it->name == name ? &*it : nullptr;
}

SSL_CTX* ServerContext::context_for(std::string_view host_name) const {
  // Host names are at most 253 characters (RFC 1035 §2.3.4); anything longer matches nothing.
  char buffer[256];
  if (host_name.empty() || host_name.size() >= sizeof(buffer)) return initial_context();
  for (size_t i = 0; i < host_name.size(); ++i) {
    const char c = host_name[i];
    buffer[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  const std::string_view name(buffer, host_name.size());
  if (const Name* n = find(exact_, name)) return contexts_[n->context];
  // A wildcard stands for exactly one whole label (RFC 6125 §6.4.3): "*.example.com" covers
  // "a.example.com", not "example.com" nor "a.b.example.com".
  const size_t dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0) {
    if (const Name* n = find(wildcard_, name.substr(dot + 1))) return contexts_[n->context];
  }
  return initial_context();
}

}  // namespace tollgate::tls
