#include "engine/tls/certificate_check.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/tls/test_certificates.h"

namespace tollgate::tls {
namespace {

using testing::CertificateSpec;
using testing::issue_certificate;
using testing::KeyType;
using testing::TestCertificate;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15 15:06:40 UTC

CertificateSpec spec(const std::string& cn, const std::string& san = "", bool ca = false) {
  CertificateSpec s;
  s.common_name = cn;
  s.san = san;
  s.ca = ca;
  s.not_before = kNow - 30 * kDay;
  s.not_after = kNow + 365 * kDay;
  return s;
}

// A root, an intermediate it issued, and a leaf for the lab's names the intermediate issued: made once
// (key generation is slow under the sanitizers), written per test as each test needs.
struct Pki {
  TestCertificate root = issue_certificate(spec("Test Root", "", true));
  TestCertificate intermediate = issue_certificate(spec("Test Intermediate", "", true), &root);
  TestCertificate leaf = [this] {
    CertificateSpec s = spec("lab.tollgate.test", "DNS:lab.tollgate.test,DNS:*.Lab.Tollgate.test");
    s.serial = 0x1a2b3c;
    return issue_certificate(s, &intermediate);
  }();
  TestCertificate other = issue_certificate(spec("other.test", "DNS:other.test"));

  static const Pki& get() {
    static const Pki pki;
    return pki;
  }
};

class CertificateCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tollgate-certificate-check-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CertificateFiles files(std::initializer_list<const TestCertificate*> chain, const TestCertificate& key) {
    CertificateFiles f{dir_ + "/chain.pem", dir_ + "/key.pem"};
    EXPECT_TRUE(testing::write_chain_pem(f.chain_pem, chain));
    EXPECT_TRUE(testing::write_key_pem(f.key_pem, key));
    return f;
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static CertificateCheck check(const CertificateFiles& f, uint32_t warning_days = 30) {
    return check_certificate(f, {kNow, warning_days});
  }
  // A leaf made from `s`, issued by the intermediate, checked with the intermediate after it.
  CertificateCheck check_leaf(const CertificateSpec& s, uint32_t warning_days = 30) {
    const TestCertificate leaf = issue_certificate(s, &pki_.intermediate);
    return check(files({&leaf, &pki_.intermediate}, leaf), warning_days);
  }
  std::string chain_path() const { return dir_ + "/chain.pem"; }
  // The messages, one per line, for failure output and substring checks.
  static std::string messages(const CertificateCheck& c) {
    std::string out;
    for (const auto& p : c.problems)
      out += (p.severity == Severity::kError ? "error: " : "warning: ") + p.message + "\n";
    return out;
  }

  // The one problem found, which must be of `severity`; empty (and a failure) otherwise.
  static std::string only(Severity severity, const CertificateCheck& c) {
    EXPECT_EQ(c.problems.size(), 1u) << messages(c);
    if (c.problems.size() != 1) return "";
    EXPECT_EQ(c.problems[0].severity, severity) << messages(c);
    return c.problems[0].message;
  }

  std::string dir_;
  const Pki& pki_ = Pki::get();
};

TEST_F(CertificateCheckTest, GoodChainIsUsableAndDescribed) {
  const CertificateCheck c = check(files({&pki_.leaf, &pki_.intermediate}, pki_.leaf));
  EXPECT_TRUE(c.usable()) << messages(c);
  EXPECT_TRUE(c.problems.empty()) << messages(c);
  EXPECT_EQ(c.chain_length, 2u);
  EXPECT_EQ(c.leaf.subject, "CN=lab.tollgate.test");
  EXPECT_EQ(c.leaf.issuer, "CN=Test Intermediate");
  EXPECT_EQ(c.leaf.serial, "1A2B3C");
  EXPECT_EQ(c.leaf.key_type, "ECDSA P-256");
  EXPECT_EQ(c.leaf.not_before, kNow - 30 * kDay);
  EXPECT_EQ(c.leaf.not_after, kNow + 365 * kDay);
  EXPECT_EQ(c.leaf.dns_names, (std::vector<std::string>{"*.lab.tollgate.test", "lab.tollgate.test"}));
}

TEST_F(CertificateCheckTest, RsaLeafIsDescribed) {
  CertificateSpec s = spec("rsa.test", "DNS:rsa.test");
  s.key_type = KeyType::kRsa2048;
  const CertificateCheck c = check_leaf(s);
  EXPECT_TRUE(c.usable()) << messages(c);
  EXPECT_EQ(c.leaf.key_type, "RSA 2048");
  EXPECT_EQ(c.leaf.serial, "01");
}

TEST_F(CertificateCheckTest, LeafOutsideItsValidityIsAnErrorWithTheDates) {
  struct Case {
    int64_t not_before, not_after;
    std::string message;
  };
  const Case cases[] = {
      {kNow - 400 * kDay, kNow - 10 * kDay,
       "expired on 2025-06-05 15:06:40 UTC (valid from 2024-05-11 15:06:40 UTC; now 2025-06-15 15:06:40 "
       "UTC)"},
      {kNow + kDay, kNow + 365 * kDay,
       "is not valid yet: valid from 2025-06-16 15:06:40 UTC to 2026-06-15 15:06:40 UTC (now 2025-06-15 "
       "15:06:40 UTC)"},
  };
  for (const Case& k : cases) {
    CertificateSpec s = spec("dated.test", "DNS:dated.test");
    s.not_before = k.not_before;
    s.not_after = k.not_after;
    const CertificateCheck c = check_leaf(s);
    EXPECT_FALSE(c.usable());
    EXPECT_TRUE(c.loaded);
    EXPECT_EQ(only(Severity::kError, c), chain_path() + ": the leaf (CN=dated.test) " + k.message);
  }
}

TEST_F(CertificateCheckTest, ExpiringSoonIsAWarning) {
  CertificateSpec s = spec("soon.test", "DNS:soon.test");
  s.not_after = kNow + 12 * kDay + 3600;
  const CertificateCheck c = check_leaf(s);
  EXPECT_TRUE(c.usable()) << messages(c);
  EXPECT_EQ(only(Severity::kWarning, c),
            chain_path() + ": the leaf (CN=soon.test) expires in 12 days, on 2025-06-27 16:06:40 UTC");
  EXPECT_TRUE(check_leaf(s, 10).problems.empty()) << "outside a 10-day window";

  s.not_after = kNow + 3600;
  const CertificateCheck last_day = check_leaf(s);
  ASSERT_EQ(last_day.problems.size(), 1u);
  EXPECT_NE(last_day.problems[0].message.find("expires within a day"), std::string::npos);
}

TEST_F(CertificateCheckTest, ExpiredIntermediateIsNamed) {
  CertificateSpec s = spec("Old Intermediate", "", true);
  s.not_after = kNow - kDay;
  const TestCertificate old_ca = issue_certificate(s, &pki_.root);
  const TestCertificate leaf = issue_certificate(spec("a.test", "DNS:a.test"), &old_ca);
  const CertificateCheck c = check(files({&leaf, &old_ca}, leaf));
  EXPECT_FALSE(c.usable());
  ASSERT_EQ(c.errors(), 1u) << messages(c);
  EXPECT_NE(messages(c).find("certificate 2 (CN=Old Intermediate) expired on"), std::string::npos)
      << messages(c);
}

TEST_F(CertificateCheckTest, MismatchedKeyIsAnError) {
  const CertificateFiles f = files({&pki_.leaf, &pki_.intermediate}, pki_.other);
  const CertificateCheck c = check(f);
  EXPECT_FALSE(c.usable());
  ASSERT_EQ(c.problems.size(), 1u) << messages(c);
  EXPECT_EQ(c.problems[0].message,
            f.key_pem + ": the private key does not match the leaf (CN=lab.tollgate.test) in " + f.chain_pem);
}

TEST_F(CertificateCheckTest, RsaKeyForEcdsaLeafIsAMismatch) {
  CertificateSpec s = spec("rsa.test", "DNS:rsa.test");
  s.key_type = KeyType::kRsa2048;
  const TestCertificate rsa = issue_certificate(s);
  const CertificateCheck c = check(files({&pki_.leaf, &pki_.intermediate}, rsa));
  ASSERT_EQ(c.errors(), 1u) << messages(c);
  EXPECT_NE(messages(c).find("does not match the leaf"), std::string::npos);
}

TEST_F(CertificateCheckTest, WrongOrderNamesWhereTheIssuerIs) {
  const CertificateFiles f = files({&pki_.leaf, &pki_.root, &pki_.intermediate}, pki_.leaf);
  const CertificateCheck c = check(f);
  EXPECT_FALSE(c.usable());
  ASSERT_EQ(c.problems.size(), 2u) << messages(c);
  EXPECT_EQ(c.problems[0].message,
            f.chain_pem +
                ": the leaf (CN=lab.tollgate.test) is followed by certificate 2 (CN=Test "
                "Root), which did not issue it; its issuer is certificate 3 (order the "
                "file: the leaf first, then each certificate's issuer)");
  EXPECT_EQ(c.problems[1].message,
            f.chain_pem +
                ": certificate 2 (CN=Test Root) is self-signed (a root), so it can only "
                "come last, but certificate 3 (CN=Test Intermediate) follows it");
}

TEST_F(CertificateCheckTest, IntermediateFirstIsCaughtByKeyAndOrder) {
  const CertificateFiles f = files({&pki_.intermediate, &pki_.leaf}, pki_.leaf);
  const CertificateCheck c = check(f);
  EXPECT_FALSE(c.usable());
  const std::string m = messages(c);
  EXPECT_NE(m.find(f.key_pem + ": the private key belongs to certificate 2 (CN=lab.tollgate.test) in " +
                   f.chain_pem + ", not to its first certificate: the leaf must come first"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("the leaf (CN=Test Intermediate) is followed by certificate 2 (CN=lab.tollgate.test), which "
             "did not issue it; its issuer (CN=Test Root) is not in the file"),
      std::string::npos)
      << m;
}

TEST_F(CertificateCheckTest, MissingIssuerIsNamed) {
  const CertificateCheck c = check(files({&pki_.leaf, &pki_.other}, pki_.leaf));
  EXPECT_NE(messages(c).find("which did not issue it; its issuer (CN=Test Intermediate) is not in the file"),
            std::string::npos)
      << messages(c);
}

TEST_F(CertificateCheckTest, SignatureIsVerifiedNotJustTheNames) {
  // Without key identifiers only names link the chain: an impostor with the intermediate's name but
  // another key passes the name check, and the signature gives it away.
  CertificateSpec named = spec("Test Intermediate", "", true);
  named.key_ids = false;
  const TestCertificate real = issue_certificate(named, &pki_.root);
  const TestCertificate impostor = issue_certificate(named, &pki_.root);
  CertificateSpec leaf_spec = spec("signed.test", "DNS:signed.test");
  leaf_spec.key_ids = false;
  const TestCertificate leaf = issue_certificate(leaf_spec, &real);
  EXPECT_TRUE(check(files({&leaf, &real}, leaf)).usable());
  const CertificateFiles f = files({&leaf, &impostor}, leaf);
  const CertificateCheck c = check(f);
  ASSERT_EQ(c.problems.size(), 1u) << messages(c);
  EXPECT_EQ(c.problems[0].message,
            f.chain_pem +
                ": the signature of the leaf (CN=signed.test) does not verify with the key "
                "of certificate 2 (CN=Test Intermediate), whose name it gives as its issuer");
}

TEST_F(CertificateCheckTest, RootAtTheEndIsAWarning) {
  const CertificateFiles f = files({&pki_.leaf, &pki_.intermediate, &pki_.root}, pki_.leaf);
  const CertificateCheck c = check(f);
  EXPECT_TRUE(c.usable()) << messages(c);
  ASSERT_EQ(c.problems.size(), 1u) << messages(c);
  EXPECT_EQ(c.problems[0].severity, Severity::kWarning);
  EXPECT_NE(c.problems[0].message.find("certificate 3 (CN=Test Root) is self-signed (a root)"),
            std::string::npos);
}

TEST_F(CertificateCheckTest, NoSubjectAltNameIsAWarning) {
  const CertificateCheck c = check_leaf(spec("bare.test"));
  EXPECT_TRUE(c.usable());
  EXPECT_EQ(
      only(Severity::kWarning, c),
      chain_path() +
          ": the leaf (CN=bare.test) has no subjectAltName DNS name; clients match host names only against "
          "those (RFC 6125), so it can serve only as a listener's first (default) certificate");
  EXPECT_TRUE(c.leaf.dns_names.empty());
}

TEST_F(CertificateCheckTest, EveryProblemIsReported) {
  CertificateSpec s = spec("bare-old.test");
  s.not_after = kNow - kDay;
  const TestCertificate bad = issue_certificate(s, &pki_.intermediate);
  const CertificateCheck c = check(files({&bad, &pki_.root}, pki_.other));
  EXPECT_EQ(c.errors(), 3u) << messages(c);         // key, order, expiry
  EXPECT_EQ(c.problems.size(), 5u) << messages(c);  // and the root at the end, and no SAN
}

TEST_F(CertificateCheckTest, UnreadableFiles) {
  const CertificateCheck missing = check({dir_ + "/none.pem", dir_ + "/none.key"});
  EXPECT_FALSE(missing.loaded);
  ASSERT_EQ(missing.problems.size(), 2u) << messages(missing);
  EXPECT_EQ(missing.problems[0].message, dir_ + "/none.pem: cannot open: No such file or directory");
  EXPECT_EQ(missing.problems[1].message, dir_ + "/none.key: cannot open: No such file or directory");

  const std::string text = write("text.pem", "just some text\n");
  const CertificateCheck not_pem = check({text, text});
  ASSERT_EQ(not_pem.problems.size(), 2u) << messages(not_pem);
  EXPECT_EQ(not_pem.problems[0].message,
            text + ": no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block) in the file");
  EXPECT_EQ(not_pem.problems[1].message.rfind(text + ": no readable PEM private key: ", 0), 0u)
      << not_pem.problems[1].message;

  // A key file holding a certificate instead.
  const CertificateFiles good = files({&pki_.leaf, &pki_.intermediate}, pki_.leaf);
  const CertificateCheck swapped = check({good.chain_pem, good.chain_pem});
  ASSERT_EQ(swapped.problems.size(), 1u) << messages(swapped);
  EXPECT_EQ(swapped.problems[0].message.rfind(good.chain_pem + ": no readable PEM private key", 0), 0u);
}

TEST_F(CertificateCheckTest, CorruptSecondCertificateIsNamed) {
  const CertificateFiles f = files({&pki_.leaf, &pki_.intermediate}, pki_.leaf);
  std::ifstream in(f.chain_pem);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t second = pem.find("-----BEGIN CERTIFICATE-----", 1);
  ASSERT_NE(second, std::string::npos);
  pem.replace(second + 40, 8, "!!!!!!!!");  // not base64
  const std::string path = write("corrupt.pem", pem);
  const CertificateCheck c = check({path, f.key_pem});
  EXPECT_FALSE(c.loaded);
  ASSERT_EQ(c.problems.size(), 1u) << messages(c);
  EXPECT_EQ(c.problems[0].message.rfind(path + ": certificate 2 is not a readable PEM certificate: ", 0), 0u)
      << c.problems[0].message;
}

TEST_F(CertificateCheckTest, PassphraseProtectedKeyIsRefusedWithoutPrompting) {
  const CertificateFiles f = files({&pki_.leaf, &pki_.intermediate}, pki_.leaf);
  FILE* out = std::fopen(f.key_pem.c_str(), "w");
  ASSERT_NE(out, nullptr);
  char passphrase[] = "secret";
  ASSERT_EQ(
      PEM_write_PrivateKey(out, pki_.leaf.key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr, passphrase), 1);
  std::fclose(out);
  const CertificateCheck c = check(f);
  ASSERT_EQ(c.problems.size(), 1u) << messages(c);
  EXPECT_EQ(c.problems[0].message, f.key_pem +
                                       ": the private key is passphrase-protected, which is not supported "
                                       "(store it unencrypted, readable by the control plane's user only)");
}

TEST(CertificateFormat, Utc) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(format_utc(kNow), "2025-06-15 15:06:40 UTC");
}

CertificateInfo named(std::vector<std::string> names) {
  CertificateInfo info;
  info.dns_names = std::move(names);
  return info;
}

TEST(CertificateForSni, ExactThenOneLabelWildcardThenDefault) {
  const std::vector<CertificateInfo> certs = {
      named({"default.tollgate.test"}),
      named({"*.lab.tollgate.test", "lab.tollgate.test"}),  // ECDSA
      named({"*.lab.tollgate.test", "lab.tollgate.test"}),  // RSA, same names: shares the first's context
      named({"api.lab.tollgate.test"}),
  };
  EXPECT_EQ(certificate_for_sni(certs, "lab.tollgate.test"), 1u);
  EXPECT_EQ(certificate_for_sni(certs, "www.lab.tollgate.test"), 1u);
  EXPECT_EQ(certificate_for_sni(certs, "WWW.Lab.Tollgate.Test"), 1u);
  EXPECT_EQ(certificate_for_sni(certs, "api.lab.tollgate.test"), 3u);  // exact beats the wildcard
  EXPECT_EQ(certificate_for_sni(certs, "a.b.lab.tollgate.test"), 0u);  // a wildcard covers one label
  EXPECT_EQ(certificate_for_sni(certs, "tollgate.test"), 0u);
  EXPECT_EQ(certificate_for_sni(certs, "default.tollgate.test"), 0u);
  EXPECT_EQ(certificate_for_sni(certs, ""), 0u);  // no SNI
  EXPECT_EQ(certificate_for_sni(certs, ".lab.tollgate.test"), 0u);
}

TEST(CertificateForSni, FromCheckedCertificates) {
  const Pki& pki = Pki::get();
  char tmpl[] = "/tmp/tollgate-certificate-sni-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  CertificateFiles lab{dir + "/lab.pem", dir + "/lab.key"};
  CertificateFiles other{dir + "/other.pem", dir + "/other.key"};
  ASSERT_TRUE(testing::write_chain_pem(lab.chain_pem, {&pki.leaf, &pki.intermediate}));
  ASSERT_TRUE(testing::write_key_pem(lab.key_pem, pki.leaf));
  ASSERT_TRUE(testing::write_chain_pem(other.chain_pem, {&pki.other}));
  ASSERT_TRUE(testing::write_key_pem(other.key_pem, pki.other));
  const std::vector<CertificateInfo> certs = {check_certificate(other, {kNow, 30}).leaf,
                                              check_certificate(lab, {kNow, 30}).leaf};
  std::filesystem::remove_all(dir);
  EXPECT_EQ(certificate_for_sni(certs, "x.lab.tollgate.test"), 1u);
  EXPECT_EQ(certificate_for_sni(certs, "other.test"), 0u);
  EXPECT_EQ(certificate_for_sni(certs, "unknown.test"), 0u);
}

}  // namespace
}  // namespace tollgate::tls
