#include "engine/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "engine/tls/certificate_reading.h"
#include "engine/tls/context_setup.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/openssl_ptr.h"
#include "engine/tls/record_size_limit.h"
#include "engine/tls/ticket_callback.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::tls {
namespace {

struct LoadedCertificate {
  X509Ptr leaf;
  ChainPtr chain;  // intermediates, possibly empty
  KeyPtr key;
  std::vector<std::string> names;  // lowercase subjectAltName DNS names, sorted, unique
};

bool load(const CertificateFiles& files, LoadedCertificate& out, std::string& error) {
  BioPtr chain_bio = open_pem_file(files.chain_pem, error);
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

  BioPtr key_bio = open_pem_file(files.key_pem, error);
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
      for (const std::string& name : cert.names) context->names_.add(name, static_cast<uint16_t>(index));
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
  // For a name two certificate sets both cover, the first listed serves it.
  context->names_.finish();
  return context;
}

ServerContext::~ServerContext() {
  for (SSL_CTX* ctx : contexts_) SSL_CTX_free(ctx);
}

SSL_CTX* ServerContext::context_for(std::string_view host_name) const {
  const std::optional<uint16_t> index = names_.find(host_name);
  return index ? contexts_[*index] : initial_context();
}

}  // namespace tollgate::tls
