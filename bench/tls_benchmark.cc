// Sealing and opening throughput of the record layer's ipsec-mb batch path against OpenSSL EVP (one
// EVP_CIPHER_CTX, re-keyed with the nonce per record — what an OpenSSL-based TLS stack pays per record),
// for AES-128-GCM and ChaCha20-Poly1305, TLS 1.3 records of 64 B to 16 KiB, in batches of 1 and 32
// records (EVP has no batch: 32 is 32 calls, for a per-record comparison). Bytes/s counts content bytes.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <memory>
#include <tuple>
#include <vector>

#include "engine/tls/aead_engine.h"
#include "engine/tls/record.h"

namespace {

using namespace tollgate::tls;

// One benchmark case from its arguments: suite, record content bytes, records per batch.
struct Case {
  CipherSuite suite;
  size_t size;
  size_t batch;
  explicit Case(const benchmark::State& state)
      : suite(state.range(0) == 0 ? CipherSuite::kAes128GcmSha256 : CipherSuite::kChaCha20Poly1305Sha256),
        size(static_cast<size_t>(state.range(1))),
        batch(static_cast<size_t>(state.range(2))) {}
  const EVP_CIPHER* evp() const {
    return suite == CipherSuite::kAes128GcmSha256 ? EVP_aes_128_gcm() : EVP_chacha20_poly1305();
  }
  void report(benchmark::State& state) const {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch * size));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  }
};

void BM_SealIpsecMb(benchmark::State& state) {
  const Case c(state);
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

void BM_SealEvp(benchmark::State& state) {
  const Case c(state);
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
void BM_OpenIpsecMb(benchmark::State& state) {
  const Case c(state);
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

void BM_OpenEvp(benchmark::State& state) {
  const Case c(state);
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

// Arguments: suite (0 AES-128-GCM, 1 ChaCha20-Poly1305), record content bytes, records per batch.
void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"chacha", "bytes", "batch"});
  for (int64_t suite : {0, 1}) {
    for (int64_t bytes : {64, 256, 1024, 4096, 16384}) {
      for (int64_t batch : {1, 32}) b->Args({suite, bytes, batch});
    }
  }
}

BENCHMARK(BM_SealIpsecMb)->Apply(args);
BENCHMARK(BM_SealEvp)->Apply(args);
BENCHMARK(BM_OpenIpsecMb)->Apply(args);
BENCHMARK(BM_OpenEvp)->Apply(args);

}  // namespace

BENCHMARK_MAIN();
