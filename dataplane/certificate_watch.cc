#include "dataplane/certificate_watch.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

#include <fmt/format.h>

#include "dataplane/worker.h"

namespace tollgate::dataplane {

CertificateWatch::CertificateWatch(const DataplaneConfig& config,
                                   std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets)
    : tickets_(std::move(tickets)) {
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const ListenerConfig& l = config.listeners[i];
    if (l.protocol != ListenerProtocol::kTls && l.protocol != ListenerProtocol::kHttps) continue;
    Watched w;
    w.listener = static_cast<uint32_t>(i);
    w.name = l.name;
    for (const CertificateConfig& c : l.certificates) w.files.push_back({c.chain, c.key});
    w.policy = tls::parse_security_policy(l.security_policy).value_or(tls::SecurityPolicy::kDefault);
    w.loaded = w.seen = look(w);
    watched_.push_back(std::move(w));
  }
}

std::vector<CertificateWatch::FileState> CertificateWatch::look(const Watched& w) {
  std::vector<FileState> out;
  for (const tls::CertificateFiles& f : w.files) {
    for (const std::string* path : {&f.chain_pem, &f.key_pem}) {
      struct stat st {};
      FileState s;
      if (::stat(path->c_str(), &st) == 0) {
        s.inode = st.st_ino;
        s.size = st.st_size;
        s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
      }
      out.push_back(s);
    }
  }
  return out;
}

std::vector<std::string> CertificateWatch::poll(const std::vector<Worker*>& workers) {
  std::vector<std::string> log;
  for (Watched& w : watched_) {
    const std::vector<FileState> now = look(w);
    const bool settled = now == w.seen;
    w.seen = now;
    if (!settled || now == w.loaded) continue;
    w.loaded = now;  // whether it loads or not: tried again only when the files change again
    log.push_back(reload(w, workers));
  }
  return log;
}

std::string CertificateWatch::reload(Watched& w, const std::vector<Worker*>& workers) {
  // Every core gets its own contexts (SSL_CTXs are not shared across cores); all are built before any is
  // offered, so a set that fails leaves every core on the old certificates.
  std::vector<std::unique_ptr<tls::ServerContext>> built;
  for (size_t i = 0; i < workers.size(); ++i) {
    std::string why;
    auto context = tls::ServerContext::create(w.files, w.policy, why, tickets_[w.listener]);
    if (!context) {
      return fmt::format("listener '{}': certificate reload refused, the previous certificates stay: {}",
                         w.name, why);
    }
    built.push_back(std::move(context));
  }
  for (size_t i = 0; i < workers.size(); ++i) workers[i]->offer_context(w.listener, std::move(built[i]));
  return fmt::format("listener '{}': certificates reloaded ({})", w.name,
                     leaf_summary(w.files.front().chain_pem));
}

std::string leaf_summary(const std::string& chain_pem) {
  FILE* f = std::fopen(chain_pem.c_str(), "r");
  if (!f) return "unreadable";
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) return "no certificate";
  std::string out = "serial ";
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out += hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  if (BIO* b = BIO_new(BIO_s_mem())) {
    ASN1_TIME_print(b, X509_get0_notAfter(x));
    char buf[64] = {};
    const int n = BIO_read(b, buf, sizeof buf - 1);
    if (n > 0) out += ", notAfter " + std::string(buf, static_cast<size_t>(n));
    BIO_free(b);
  }
  X509_free(x);
  return out;
}

}  // namespace tollgate::dataplane
