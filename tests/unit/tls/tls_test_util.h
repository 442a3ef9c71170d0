// Shared helpers for the record-layer tests: keys for every (version, suite), one-record seal/open
// through an AeadEngine batch of one, and the AEAD backends every record-layer test runs against.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tls/aead_engine.h"
#include "engine/tls/record.h"
#include "tests/unit/tls/evp_reference.h"

namespace tollgate::tls::testing {

// Every AEAD backend (aead_backend.h): the record-layer suites are instantiated once per backend, so
// ipsec-mb and OpenSSL EVP meet the same expectations.
inline constexpr AeadBackendKind kAllBackends[] = {AeadBackendKind::kIpsecMb, AeadBackendKind::kOpenSsl};

inline const char* backend_name(AeadBackendKind b) {
  return b == AeadBackendKind::kIpsecMb ? "IpsecMb" : "OpenSsl";
}

// A test with one engine on the backend it is instantiated for.
class BackendTest : public ::testing::TestWithParam<AeadBackendKind> {
 public:
  static std::string name_of(const ::testing::TestParamInfo<AeadBackendKind>& info) {
    return backend_name(info.param);
  }

 protected:
  AeadEngine engine{GetParam()};
};

inline std::vector<uint8_t> hex(std::string_view s) {
  std::vector<uint8_t> out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nibble(s[i]) << 4 | nibble(s[i + 1])));
  return out;
}

inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

// Deterministic key material per (version, suite, salt): the same arguments give the same keys.
inline RefKeys ref_keys(TlsVersion v, CipherSuite s, uint8_t salt = 0) {
  return {v, s, pattern(key_size(s), static_cast<uint8_t>(0x40 + salt)),
          pattern(iv_size(v, s), static_cast<uint8_t>(0x90 + salt)), 0};
}

inline std::unique_ptr<TrafficKeys> our_keys(const AeadEngine& engine, const RefKeys& ref) {
  auto keys = std::make_unique<TrafficKeys>();
  if (!engine.install(*keys, ref.version, ref.suite, ref.key, ref.iv)) return nullptr;
  keys->sequence = ref.seq;
  return keys;
}

struct Sealed {
  RecordError error;
  std::vector<uint8_t> record;
};

inline Sealed our_seal(AeadEngine& engine, TrafficKeys& keys, ContentType type,
                       const std::vector<uint8_t>& content, size_t padding = 0) {
  std::vector<uint8_t> buf(sealed_size(keys, content.size(), padding) + 7, 0xee);
  std::copy(content.begin(), content.end(), buf.begin() + static_cast<long>(record_prefix(keys)));
  const SealTicket t = queue_seal(engine, keys, buf, content.size(), type, padding);
  engine.run();
  const RecordError e = finish_seal(engine, t);
  engine.clear();
  buf.resize(t.record_size);
  return {e, e == RecordError::kNone ? buf : std::vector<uint8_t>{}};
}

struct Opened {
  RecordError error;
  ContentType type = ContentType::kInvalid;
  std::vector<uint8_t> content;
};

inline Opened our_open(AeadEngine& engine, TrafficKeys& keys, std::vector<uint8_t> record) {
  const OpenTicket t = queue_open(engine, keys, record);
  engine.run();
  const Plaintext p = finish_open(engine, t);
  engine.clear();
  return {p.error, p.type, {p.content.begin(), p.content.end()}};
}

}  // namespace tollgate::tls::testing
