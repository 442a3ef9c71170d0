// Sealing and opening throughput of the record layer's ipsec-mb batch path against OpenSSL EVP (one
// EVP_CIPHER_CTX, re-keyed with the nonce per record — what an OpenSSL-based TLS stack pays per record),
// for AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, TLS 1.3 records of 64 B to 16 KiB, in batches of 32
// and 1 records (EVP has no batch: 32 is 32 calls, for a per-record comparison). Both sides build the same
// record (header as AAD, content || type, tag); the ipsec-mb side goes through the record layer
// (queue_seal/finish_seal), so its record-building overhead is included. Items are records, bytes are
// content bytes. openssl_evp is the baseline. The handshake benchmarks of this binary are in
// tls_handshake_benchmark.cc.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench/micro_main.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/record.h"

namespace {

using namespace tollgate::tls;

// One benchmark case: suite and records per batch from the registration, record content bytes from the
// argument.
struct Case {
  CipherSuite suite;
  size_t size;
  size_t batch;
  Case(const benchmark::State& state, CipherSuite s, size_t records)
      : suite(s), size(static_cast<size_t>(state.range(0))), batch(records) {}
  const EVP_CIPHER* evp() const {
    switch (suite) {
      case CipherSuite::kAes128GcmSha256:
        return EVP_aes_128_gcm();
      case CipherSuite::kAes256GcmSha384:
        return EVP_aes_256_gcm();
      case CipherSuite::kChaCha20Poly1305Sha256:
        break;
    }
    return EVP_chacha20_poly1305();
  }
  void report(benchmark::State& state) const {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch * size));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  }
};

void BM_SealIpsecMb(benchmark::State& state, CipherSuite suite_arg, size_t batch_arg) {
  const Case c(state, suite_arg, batch_arg);
  const auto [suite, size, batch] = std::tuple{c.suite, c.size, c.batch};
  AeadEngine engine;
  const std::vector<uint8_t> key(key_size(suite), 7), iv(12, 9);
  // One connection per record of the batch, as a poll iteration would have.
  std::vector<std::unique_ptr<TrafficKeys>> keys;
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t i = 0; i < batch; ++i) {
    keys.push_back(std::make_unique<TrafficKeys>());
    engine.install(*keys.back(), TlsVersion::kTls13, suite, key, iv);
    buffers.emplace_back(sealed_size(*keys.back(), size), 0x5a);
  }
  std::vector<SealTicket> tickets(batch);
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      tickets[i] = queue_seal(engine, *keys[i], buffers[i], size, ContentType::kApplicationData);
    }
    engine.run();
    for (size_t i = 0; i < batch; ++i) {
      if (finish_seal(engine, tickets[i]) != RecordError::kNone) state.SkipWithError("seal failed");
    }
    engine.clear();
    benchmark::ClobberMemory();
  }
  c.report(state);
  state.SetLabel(engine.arch_name());
}

void BM_SealEvp(benchmark::State& state, CipherSuite suite_arg, size_t batch_arg) {
  const Case c(state, suite_arg, batch_arg);
  const auto [suite, size, batch] = std::tuple{c.suite, c.size, c.batch};
  const EVP_CIPHER* cipher = c.evp();
  const std::vector<uint8_t> key(key_size(suite), 7);
  std::vector<EVP_CIPHER_CTX*> ctxs;
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t i = 0; i < batch; ++i) {
    ctxs.push_back(EVP_CIPHER_CTX_new());
    EVP_EncryptInit_ex(ctxs.back(), cipher, nullptr, key.data(), nullptr);
    buffers.emplace_back(5 + size + 1 + 16, 0x5a);
  }
  uint8_t nonce[12] = {};
  uint64_t seq = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      // The same record construction: header as AAD, content || type, tag appended.
      uint8_t* rec = buffers[i].data();
      nonce[11] = static_cast<uint8_t>(seq++);
      int n = 0;
      const int inner = static_cast<int>(size + 1);
      rec[5 + size] = 23;
      if (EVP_EncryptInit_ex(ctxs[i], nullptr, nullptr, nullptr, nonce) != 1 ||
          EVP_EncryptUpdate(ctxs[i], nullptr, &n, rec, 5) != 1 ||
          EVP_EncryptUpdate(ctxs[i], rec + 5, &n, rec + 5, inner) != 1 ||
          EVP_EncryptFinal_ex(ctxs[i], rec + 5 + inner, &n) != 1 ||
          EVP_CIPHER_CTX_ctrl(ctxs[i], EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + inner) != 1) {
        state.SkipWithError("EVP failed");
      }
    }
    benchmark::ClobberMemory();
  }
  for (auto* ctx : ctxs) EVP_CIPHER_CTX_free(ctx);
  c.report(state);
}

// Opening: one sealed record per connection, opened again every iteration (out of place, the sequence
// number set back) — the tag check and decryption of the receive path.
void BM_OpenIpsecMb(benchmark::State& state, CipherSuite suite_arg, size_t batch_arg) {
  const Case c(state, suite_arg, batch_arg);
  const auto [suite, size, batch] = std::tuple{c.suite, c.size, c.batch};
  AeadEngine engine;
  const std::vector<uint8_t> key(key_size(suite), 7), iv(12, 9);
  std::vector<std::unique_ptr<TrafficKeys>> keys;
  std::vector<std::vector<uint8_t>> records, plain;
  for (size_t i = 0; i < batch; ++i) {
    TrafficKeys sealer;
    engine.install(sealer, TlsVersion::kTls13, suite, key, iv);
    records.emplace_back(sealed_size(sealer, size), 0x5a);
    const SealTicket t = queue_seal(engine, sealer, records.back(), size, ContentType::kApplicationData);
    engine.run();
    if (finish_seal(engine, t) != RecordError::kNone) state.SkipWithError("seal failed");
    engine.clear();
    keys.push_back(std::make_unique<TrafficKeys>());
    engine.install(*keys.back(), TlsVersion::kTls13, suite, key, iv);
    plain.emplace_back(records.back().size());
  }
  std::vector<OpenTicket> tickets(batch);
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      keys[i]->sequence = 0;
      tickets[i] = queue_open(engine, *keys[i], records[i], plain[i]);
    }
    engine.run();
    for (size_t i = 0; i < batch; ++i) {
      if (finish_open(engine, tickets[i]).error != RecordError::kNone) state.SkipWithError("open failed");
    }
    engine.clear();
    benchmark::ClobberMemory();
  }
  c.report(state);
  state.SetLabel(engine.arch_name());
}

void BM_OpenEvp(benchmark::State& state, CipherSuite suite_arg, size_t batch_arg) {
  const Case c(state, suite_arg, batch_arg);
  const auto [suite, size, batch] = std::tuple{c.suite, c.size, c.batch};
  const EVP_CIPHER* cipher = c.evp();
  const std::vector<uint8_t> key(key_size(suite), 7);
  uint8_t nonce[12] = {};
  const int inner = static_cast<int>(size + 1);
  // One record sealed by EVP, opened again every iteration.
  std::vector<uint8_t> rec(5 + size + 1 + 16, 0x5a), out(size + 1);
  rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = static_cast<uint8_t>((inner + 16) >> 8),
  rec[4] = static_cast<uint8_t>(inner + 16);
  EVP_CIPHER_CTX* sealer = EVP_CIPHER_CTX_new();
  int n = 0;
  EVP_EncryptInit_ex(sealer, cipher, nullptr, key.data(), nonce);
  EVP_EncryptUpdate(sealer, nullptr, &n, rec.data(), 5);
  EVP_EncryptUpdate(sealer, rec.data() + 5, &n, rec.data() + 5, inner);
  EVP_EncryptFinal_ex(sealer, rec.data() + 5 + inner, &n);
  EVP_CIPHER_CTX_ctrl(sealer, EVP_CTRL_AEAD_GET_TAG, 16, rec.data() + 5 + inner);
  EVP_CIPHER_CTX_free(sealer);
  std::vector<EVP_CIPHER_CTX*> ctxs;
  for (size_t i = 0; i < batch; ++i) {
    ctxs.push_back(EVP_CIPHER_CTX_new());
    EVP_DecryptInit_ex(ctxs.back(), cipher, nullptr, key.data(), nullptr);
  }
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      if (EVP_DecryptInit_ex(ctxs[i], nullptr, nullptr, nullptr, nonce) != 1 ||
          EVP_DecryptUpdate(ctxs[i], nullptr, &n, rec.data(), 5) != 1 ||
          EVP_DecryptUpdate(ctxs[i], out.data(), &n, rec.data() + 5, inner) != 1 ||
          EVP_CIPHER_CTX_ctrl(ctxs[i], EVP_CTRL_AEAD_SET_TAG, 16, rec.data() + 5 + inner) != 1 ||
          EVP_DecryptFinal_ex(ctxs[i], out.data() + inner, &n) != 1) {
        state.SkipWithError("EVP open failed");
      }
    }
    benchmark::ClobberMemory();
  }
  for (auto* x : ctxs) EVP_CIPHER_CTX_free(x);
  c.report(state);
}

// <seal|open>_<suite>[_batch1]/<ipsec_mb|openssl_evp>/<record content bytes>. Without a suffix the batch
// is 32 records, as a poll iteration hands the engine; _batch1 is one record per run(), the worst case.
const bool kRegistered = [] {
  using Bench = void (*)(benchmark::State&, CipherSuite, size_t);
  const std::pair<CipherSuite, const char*> suites[] = {
      {CipherSuite::kAes128GcmSha256, "aes_128_gcm"},
      {CipherSuite::kAes256GcmSha384, "aes_256_gcm"},
      {CipherSuite::kChaCha20Poly1305Sha256, "chacha20_poly1305"}};
  const std::tuple<const char*, const char*, Bench> impls[] = {{"seal", "ipsec_mb", BM_SealIpsecMb},
                                                               {"seal", "openssl_evp", BM_SealEvp},
                                                               {"open", "ipsec_mb", BM_OpenIpsecMb},
                                                               {"open", "openssl_evp", BM_OpenEvp}};
  for (const size_t batch : {32, 1}) {
    for (const auto& [op, impl, fn] : impls) {
      for (const auto& [suite, suite_name] : suites) {
        const std::string name = std::string(op) + "_" + suite_name + (batch == 1 ? "_batch1/" : "/") + impl;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), fn, suite, batch);
        for (const int64_t bytes : {64, 512, 1400, 4096, 16384}) b->Arg(bytes);
      }
    }
  }
  return true;
}();

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.05")
