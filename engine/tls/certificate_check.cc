#include "engine/tls/certificate_check.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <limits>

#include "engine/tls/certificate_reading.h"
#include "engine/tls/context_setup.h"
#include "engine/tls/openssl_ptr.h"
#include "engine/tls/sni_index.h"

namespace tollgate::tls {
namespace {

constexpr int64_t kDay = 86'400;

struct Problems {
  std::vector<CertificateProblem>& list;
  void error(std::string message) { list.push_back({Severity::kError, std::move(message)}); }
  void warning(std::string message) { list.push_back({Severity::kWarning, std::move(message)}); }
};

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

std::string serial_text(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
  std::string out = hex != nullptr ? hex : "?";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string key_type_text(const EVP_PKEY* key) {
  if (key == nullptr) return "?";
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
  if (id == EVP_PKEY_EC) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &length) != 1) return "ECDSA";
    const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group));
    return std::string("ECDSA ") + (nist != nullptr ? nist : group);
  }
  const char* name = OBJ_nid2sn(id);
  return name != nullptr ? name : "?";
}

int64_t seconds_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

CertificateInfo describe(X509* cert) {
  CertificateInfo info;
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  info.serial = serial_text(cert);
  info.key_type = key_type_text(X509_get0_pubkey(cert));
  info.not_before = seconds_of(X509_get0_notBefore(cert));
  info.not_after = seconds_of(X509_get0_notAfter(cert));
  info.dns_names = dns_names(cert);
  return info;
}

// "the leaf (CN=a)" or "certificate 2 (CN=b)": 1-based, as an operator counts the blocks in the file.
std::string label(const std::vector<X509Ptr>& chain, size_t i) {
  const std::string subject = name_text(X509_get_subject_name(chain[i].get()));
  return (i == 0 ? std::string("the leaf") : "certificate " + std::to_string(i + 1)) + " (" + subject + ")";
}

// Whether the queue holds only the "no further PEM block" that ends every read loop.
bool only_end_of_file() {
  const unsigned long e = ERR_peek_last_error();
  return e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

std::vector<X509Ptr> read_chain(const std::string& path, Problems& problems) {
  std::vector<X509Ptr> chain;
  std::string error;
  BioPtr bio = open_pem_file(path, error);
  if (!bio) {
    problems.error(error);
    return chain;
  }
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) chain.emplace_back(cert);
  if (!only_end_of_file()) {
    problems.error(path + ": certificate " + std::to_string(chain.size() + 1) +
                   " is not a readable PEM certificate: " + openssl_error());
    chain.clear();  // what follows the bad block is unknown: judging a partial chain would mislead
  } else if (chain.empty()) {
    problems.error(path + ": no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block) in the file");
  }
  ERR_clear_error();
  return chain;
}

int refuse_passphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

KeyPtr read_key(const std::string& path, Problems& problems) {
  std::string error;
  BioPtr bio = open_pem_file(path, error);
  if (!bio) {
    problems.error(error);
    return nullptr;
  }
  bool passphrase_asked = false;
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, &passphrase_asked));
  if (!key && passphrase_asked) {
    ERR_clear_error();
    problems.error(path +
                   ": the private key is passphrase-protected, which is not supported (store it "
                   "unencrypted, readable by the control plane's user only)");
  } else if (!key) {
    problems.error(path + ": no readable PEM private key: " + openssl_error());
  }
  ERR_clear_error();
  return key;
}

void check_key(const CertificateFiles& files, const std::vector<X509Ptr>& chain, EVP_PKEY* key,
               Problems& problems) {
  if (EVP_PKEY_eq(X509_get0_pubkey(chain[0].get()), key) == 1) return;
  for (size_t i = 1; i < chain.size(); ++i) {
    if (EVP_PKEY_eq(X509_get0_pubkey(chain[i].get()), key) == 1) {
      problems.error(files.key_pem + ": the private key belongs to " + label(chain, i) + " in " +
                     files.chain_pem + ", not to its first certificate: the leaf must come first");
      ERR_clear_error();
      return;
    }
  }
  ERR_clear_error();
  problems.error(files.key_pem + ": the private key does not match " + label(chain, 0) + " in " +
                 files.chain_pem);
}

// Each certificate must be followed by its issuer (RFC 8446 §4.4.2, RFC 5246 §7.4.2).
void check_order(const std::string& path, const std::vector<X509Ptr>& chain, Problems& problems) {
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    X509* cert = chain[i].get();
    X509* next = chain[i + 1].get();
    if (X509_check_issued(next, cert) == X509_V_OK) {
      if (X509_verify(cert, X509_get0_pubkey(next)) != 1)
        problems.error(path + ": the signature of " + label(chain, i) + " does not verify with the key of " +
                       label(chain, i + 1) + ", whose name it gives as its issuer");
      ERR_clear_error();
      continue;
    }
    if (X509_check_issued(cert, cert) == X509_V_OK) {
      problems.error(path + ": " + label(chain, i) +
                     " is self-signed (a root), so it can only come last, but " + label(chain, i + 1) +
                     " follows it");
      ERR_clear_error();
      continue;
    }
    size_t issuer = chain.size();
    for (size_t j = 0; j < chain.size() && issuer == chain.size(); ++j)
      if (j != i && X509_check_issued(chain[j].get(), cert) == X509_V_OK) issuer = j;
    std::string message = path + ": " + label(chain, i) + " is followed by " + label(chain, i + 1) +
                          ", which did not issue it; ";
    if (issuer != chain.size())
      message += "its issuer is certificate " + std::to_string(issuer + 1) +
                 " (order the file: the leaf first, then each certificate's issuer)";
    else
      message += "its issuer (" + name_text(X509_get_issuer_name(cert)) + ") is not in the file";
    problems.error(message);
    ERR_clear_error();
  }
  if (chain.size() > 1) {
    X509* last = chain.back().get();
    if (X509_check_issued(last, last) == X509_V_OK)
      problems.warning(
          path + ": " + label(chain, chain.size() - 1) +
          " is self-signed (a root): clients must have it already, so sending it only adds bytes "
          "to every handshake");
    ERR_clear_error();
  }
}

void check_validity(const std::string& path, const std::vector<X509Ptr>& chain,
                    const CertificateCheckOptions& options, Problems& problems) {
  const std::string now = format_utc(options.now);
  for (size_t i = 0; i < chain.size(); ++i) {
    const int64_t not_before = seconds_of(X509_get0_notBefore(chain[i].get()));
    const int64_t not_after = seconds_of(X509_get0_notAfter(chain[i].get()));
    if (options.now < not_before) {
      problems.error(path + ": " + label(chain, i) + " is not valid yet: valid from " +
                     format_utc(not_before) + " to " + format_utc(not_after) + " (now " + now + ")");
    } else if (options.now > not_after) {
      problems.error(path + ": " + label(chain, i) + " expired on " + format_utc(not_after) +
                     " (valid from " + format_utc(not_before) + "; now " + now + ")");
    } else if (not_after - options.now < int64_t{options.expiry_warning_days} * kDay) {
      const int64_t days = (not_after - options.now) / kDay;
      problems.warning(path + ": " + label(chain, i) + " expires " +
                       (days == 0 ? std::string("within a day") : "in " + std::to_string(days) + " days") +
                       ", on " + format_utc(not_after));
    }
  }
}

}  // namespace

size_t CertificateCheck::errors() const {
  return static_cast<size_t>(std::count_if(problems.begin(), problems.end(), [](const CertificateProblem& p) {
    return p.severity == Severity::kError;
  }));
}

std::string format_utc(int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  char text[32];
  if (gmtime_r(&t, &tm) == nullptr || std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    return std::to_string(seconds);
  return text;
}

CertificateCheck check_certificate(const CertificateFiles& files, const CertificateCheckOptions& options) {
  CertificateCheck check;
  check.files = files;
  Problems problems{check.problems};
  const std::vector<X509Ptr> chain = read_chain(files.chain_pem, problems);
  const KeyPtr key = read_key(files.key_pem, problems);
  if (chain.empty()) return check;
  check.loaded = true;
  check.leaf = describe(chain[0].get());
  check.chain_length = chain.size();
  if (key) check_key(files, chain, key.get(), problems);
  check_order(files.chain_pem, chain, problems);
  check_validity(files.chain_pem, chain, options, problems);
  if (check.leaf.dns_names.empty())
    problems.warning(
        files.chain_pem + ": " + label(chain, 0) +
        " has no subjectAltName DNS name; clients match host names only against those (RFC 6125), "
        "so it can serve only as a listener's first (default) certificate");
  return check;
}

size_t certificate_for_sni(std::span<const CertificateInfo> certificates, std::string_view host_name) {
  SniIndex index;
  const size_t count = std::min<size_t>(certificates.size(), std::numeric_limits<uint16_t>::max());
  for (size_t i = 0; i < count; ++i)
    for (const std::string& name : certificates[i].dns_names) index.add(name, static_cast<uint16_t>(i));
  index.finish();
  return index.find(host_name).value_or(0);
}

}  // namespace tollgate::tls
