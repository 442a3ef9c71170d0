#include "engine/tls/client_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <string_view>
#include <utility>

#include "engine/tls/context_setup.h"
#include "engine/tls/handshake_callbacks.h"

namespace tollgate::tls {
namespace {

// RFC 7301 §3.1: ProtocolNameList, each name with its length byte.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

bool is_address(const std::string& name) {
  ASN1_OCTET_STRING* address = a2i_IPADDRESS(name.c_str());
  ASN1_OCTET_STRING_free(address);
  ERR_clear_error();
  return address != nullptr;
}

// A host name as RFC 1123 §2.1 allows it in a certificate check: letters, digits, hyphens and dots, at
// most 253 characters, no empty label. Refusing anything else up front keeps a typo from meeting a
// wildcard or an unexpected X509 name form.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  char previous = '.';
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

// Loads every certificate of the PEM bundle into `ctx`'s trust store.
bool load_bundle(SSL_CTX* ctx, const std::string& path, std::string& why) {
  if (SSL_CTX_load_verify_file(ctx, path.c_str()) != 1) {
    why = path + ": cannot load the CA bundle: " + openssl_error();
    return false;
  }
  const X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  int certificates = 0;
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objects, i)) == X509_LU_X509) ++certificates;
  }
  if (certificates == 0) {
    why = path + ": no certificate in the CA bundle";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<ClientContext> ClientContext::create(const ClientSettings& settings, std::string& why) {
  std::unique_ptr<ClientContext> context(new ClientContext(settings));
  const std::string& name = settings.server_name;
  context->address_ = !name.empty() && is_address(name);
  if (settings.verify && settings.ca_file.empty()) {
    why = "certificate verification needs a CA bundle";
    return nullptr;
  }
  if (settings.verify && name.empty()) {
    why = "certificate verification needs the target's name";
    return nullptr;
  }
  if (!name.empty() && !context->address_ && !is_host_name(name)) {
    why = "\"" + name + "\" is neither a host name nor an IP address";
    return nullptr;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    why = "SSL_CTX_new: " + openssl_error();
    return nullptr;
  }
  context->ctx_ = ctx;
  // The client session cache stays off (OpenSSL's default for clients): no resumption yet.
  if (!apply_security_policy(ctx, settings.policy) ||
      SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11) != 0) {  // 0 is success here
    why = "configuring the TLS context: " + openssl_error();
    return nullptr;
  }
  install_secret_capture(ctx);
  if (!settings.ca_file.empty() && !load_bundle(ctx, settings.ca_file, why)) return nullptr;
  // Without a callback, a failed verification ends the handshake with the alert for the X509 error.
  SSL_CTX_set_verify(ctx, settings.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return context;
}

ClientContext::~ClientContext() {
  SSL_CTX_free(ctx_);
}

bool ClientContext::prepare(SSL* ssl) const {
  const std::string& name = settings_.server_name;
  if (name.empty()) return true;
  if (!address_ && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return false;
  if (!settings_.verify) return true;
  if (address_) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, name.c_str()) == 1;
}

}  // namespace tollgate::tls
