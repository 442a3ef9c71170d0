// show.certs: each listener's configured certificate files with the leaf's subject, serial and notAfter,
// read with OpenSSL when asked. A stand-in until the certificate module (checks on load, SNI index, file
// watching) is wired into the control plane; it reads files only, never keys.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <ctime>
#include <memory>

#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"

namespace tollgate::controlplane {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

void free_openssl_string(char* p) {
  OPENSSL_free(p);
}
using OpensslString = std::unique_ptr<char, Deleter<char, free_openssl_string>>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

nlohmann::json describe_leaf(const std::string& chain) {
  nlohmann::json j = {{"chain", chain}};
  BioPtr file(BIO_new_file(chain.c_str(), "r"));
  X509Ptr leaf(file ? PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!leaf) {
    j["error"] = "cannot read a PEM certificate from the file";
    return j;
  }
  BioPtr subject(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(subject.get(), X509_get_subject_name(leaf.get()), 0, XN_FLAG_RFC2253);
  j["subject"] = bio_text(subject.get());
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.get()), nullptr));
  OpensslString hex(serial ? BN_bn2hex(serial.get()) : nullptr);
  j["serial"] = hex ? std::string(hex.get()) : "";
  BioPtr not_after(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(not_after.get(), X509_get0_notAfter(leaf.get()));
  j["not_after"] = bio_text(not_after.get());
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(leaf.get()))) j["days_left"] = days;
  return j;
}

}  // namespace

void register_cert_commands(CommandTable& table, ControlPlane& cp) {
  table.add("show.certs", "each listener's certificate files: subject, serial, notAfter of the leaf",
            [&cp](const nlohmann::json&) {
              nlohmann::json certs = nlohmann::json::array();
              for (const dataplane::ListenerConfig& l : cp.config().config.listeners) {
                for (const dataplane::CertificateConfig& c : l.certificates) {
                  nlohmann::json j = describe_leaf(c.chain);
                  j["listener"] = l.name;
                  certs.push_back(std::move(j));
                }
              }
              return CtlResponse::success({{"certs", std::move(certs)}});
            });
}

}  // namespace tollgate::controlplane
