// Certificates as the operator sees them: a config naming a bad pair is refused with file, line and key
// (`config check`), one expiring soon loads with a warning, and `show certs`, `show stats` and the
// Prometheus text report each certificate's state and expiry.
#include "controlplane/certificate_status.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "controlplane/ctl/config_check.h"
#include "controlplane/ctl/views.h"
#include "controlplane/prometheus_text.h"
#include "controlplane/snapshot_json.h"
#include "tests/unit/tls/test_certificates.h"

namespace tollgate::controlplane {
namespace {

using tls::testing::CertificateSpec;
using tls::testing::issue_certificate;
using tls::testing::TestCertificate;

constexpr int64_t kDay = 86400;

class CertificateStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tollgate-certificate-status-XXXXXX";
    dir_ = mkdtemp(tmpl);
    certs_.reserve(4);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A leaf for lab.tollgate.test valid from a month ago until `days_left` from now, as name.pem/name.key;
  // `key_of`, when given, writes that certificate's key instead (a mismatched pair).
  void write_pair(const std::string& name, int64_t days_left, const TestCertificate* key_of = nullptr) {
    CertificateSpec s;
    s.common_name = "lab.tollgate.test";
    s.san = "DNS:lab.tollgate.test";
    const int64_t now = std::time(nullptr);
    s.not_before = now - 30 * kDay;
    s.not_after = now + days_left * kDay + 3600;
    s.serial = 0x5eed + static_cast<long>(days_left);
    certs_.push_back(issue_certificate(s));  // reserve()d: the pointers above stay valid
    ASSERT_TRUE(tls::testing::write_chain_pem(path(name + ".pem"), {&certs_.back()}));
    ASSERT_TRUE(tls::testing::write_key_pem(path(name + ".key"), key_of ? *key_of : certs_.back()));
    ASSERT_EQ(::chmod(path(name + ".key").c_str(), 0600), 0);  // as an operator keeps a key
  }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }

  // The smallest https config using `pair` (chain name.pem, key name.key) on line 16.
  std::string write_config(const std::string& pair) {
    const std::string file = path("tollgate.toml");
    std::ofstream(file) << "[[port]]\n"
                           "name = \"front\"\n"
                           "iface = \"tg-front\"\n"
                           "ipv4 = \"198.18.0.1/24\"\n"
                           "\n"
                           "[[pool]]\n"
                           "name = \"web\"\n"
                           "targets = [\"198.18.0.11:8080\"]\n"
                           "\n"
                           "[[listener]]\n"
                           "name = \"https\"\n"
                           "protocol = \"https\"\n"
                           "address = \"198.18.0.1\"\n"
                           "port = 443\n"
                           "default_action = { type = \"forward\", pool = \"web\" }\n"
                           "certificates = [{ chain = \""
                        << pair << ".pem\", key = \"" << pair << ".key\" }]\n";
    return file;
  }

  std::string dir_;
  std::vector<TestCertificate> certs_;
};

TEST_F(CertificateStatusTest, GoodPairChecksOk) {
  write_pair("good", 200);
  const std::string file = write_config("good");
  const CheckOutput o = check_config(file);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, file + ": ok\n");
  const dataplane::ConfigLoad load = dataplane::load_config_file(file);
  ASSERT_TRUE(load.config);
  const auto statuses = check_listener_certificates(*load.config, std::time(nullptr));
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, CertificateState::kOk);
  EXPECT_EQ(statuses[0].seconds_left / kDay, 200);
  EXPECT_EQ(certificate_warning(statuses[0]), "");
}

TEST_F(CertificateStatusTest, MismatchedKeyIsAConfigErrorNamingLineAndKey) {
  write_pair("other", 200);
  write_pair("bad", 100, &certs_[0]);
  const std::string file = write_config("bad");
  const CheckOutput o = check_config(file);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.rfind(file + ":16: listener[0].certificates[0]: " + path("bad.key") + ":", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("does not match"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find(file + ": 1 error(s)"), std::string::npos) << o.err;
}

TEST_F(CertificateStatusTest, ExpiredCertificateIsAConfigError) {
  write_pair("old", -3);
  const std::string file = write_config("old");
  const CheckOutput o = check_config(file);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.rfind(file + ":16: listener[0].certificates[0]: " + path("old.pem") + ":", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("expired"), std::string::npos) << o.err;
}

TEST_F(CertificateStatusTest, ExpiringSoonLoadsWithAWarningEverywhere) {
  write_pair("soon", 10);
  const std::string file = write_config("soon");
  const CheckOutput o = check_config(file);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, file + ": ok, 1 warning(s)\n");
  EXPECT_EQ(o.err.rfind("warning: " + file + ":16: listener[0].certificates[0]: " + path("soon.pem"), 0), 0u)
      << o.err;

  const dataplane::ConfigLoad load = dataplane::load_config_file(file);
  ASSERT_TRUE(load.config);
  const auto statuses = check_listener_certificates(*load.config, std::time(nullptr));
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, CertificateState::kExpiring);
  const std::string warning = certificate_warning(statuses[0]);
  EXPECT_EQ(warning.rfind(
                "listener https: certificate " + path("soon.pem") + " (serial 5EF7) expires in 10 day(s)", 0),
            0u)
      << warning;

  // The snapshot the CLI and Prometheus are made from.
  StatsSnapshot s;
  s.certificates.push_back({"https", path("soon.pem"), statuses[0].check.leaf.subject, "5EF7",
                            statuses[0].check.leaf.not_after, statuses[0].seconds_left, "expiring", warning});
  const std::string summary = view_renderer("stats")(snapshot_to_json(s));
  EXPECT_NE(summary.find("warning: " + warning + "\n"), std::string::npos) << summary;
  const std::string metrics = render_prometheus(s);
  EXPECT_NE(metrics.find("tollgate_certificate_expiry_timestamp_seconds{listener=\"https\",file=\"" +
                         path("soon.pem") + "\",serial=\"5EF7\",subject=\"CN=lab.tollgate.test\"} " +
                         std::to_string(statuses[0].check.leaf.not_after) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("tollgate_certificate_usable{listener=\"https\",file=\"" + path("soon.pem") + "\"} 1\n"),
      std::string::npos)
      << metrics;
}

TEST_F(CertificateStatusTest, KeyReadableByOthersIsAWarning) {
  write_pair("open", 200);
  ASSERT_EQ(::chmod(path("open.key").c_str(), 0644), 0);
  const std::string file = write_config("open");
  const CheckOutput o = check_config(file);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.err, "warning: " + file + ":16: listener[0].certificates[0]: " + path("open.key") +
                       ": the private key is readable by other users (mode 0644); chmod 600 it\n");
  ASSERT_EQ(::chmod(path("open.key").c_str(), 0600), 0);
  EXPECT_EQ(check_config(file).err, "");
}

TEST_F(CertificateStatusTest, FileExpiringAfterLoadIsReportedExpired) {
  // Loaded while valid, checked again after its notAfter (the control plane re-checks every minute).
  write_pair("late", 1);
  const dataplane::ConfigLoad load = dataplane::load_config_file(write_config("late"));
  ASSERT_TRUE(load.config);
  const auto statuses = check_listener_certificates(*load.config, std::time(nullptr) + 3 * kDay);
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, CertificateState::kExpired);
  EXPECT_NE(certificate_warning(statuses[0]).find("EXPIRED"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::controlplane
