// Arbitrary bytes as a TLS stream into RecordReader, every record it cuts opened with the record layer.
// The first input byte picks the version and suite (and whether records go out of place); the rest is cut
// into pieces of sizes taken from the stream itself, so the fuzzer controls how records split across
// feeds. Keys are fixed, so nearly every record fails authentication — the point is the framing, the
// header checks, the length arithmetic and the batch bookkeeping, under ASan/UBSan. When a record does
// authenticate (the corpus can hold sealed ones), the TLS 1.3 padding scan runs too. The same pieces also
// go, as the contents of opened handshake records, through PostHandshakeReader (version from the mode
// byte, role from another bit): messages split anywhere, any lengths.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/tls/aead_engine.h"
#include "engine/tls/post_handshake.h"
#include "engine/tls/record.h"
#include "engine/tls/record_reader.h"

namespace {

using namespace tollgate::tls;

constexpr CipherSuite kSuites[] = {CipherSuite::kAes128GcmSha256, CipherSuite::kAes256GcmSha384,
                                   CipherSuite::kChaCha20Poly1305Sha256};

// Pieces cut as for the record reader, each one handshake record's content. A refused record ends the
// connection, so reading stops there; an accepted KeyUpdate ends its record and nothing else does.
void read_post_handshake(TlsVersion version, bool server, std::span<const uint8_t> stream) {
  PostHandshakeReader reader;
  reader.reset(version, server);
  size_t at = 0;
  while (at < stream.size()) {
    const size_t piece = std::min<size_t>(stream.size() - at, size_t{stream[at]} + 1);
    const PostHandshakeEvent e = reader.read(stream.subspan(at, piece));
    at += piece;
    if (e.alert != 0) return;
    if (e.key_update > 1 || (e.key_update >= 0 && (version != TlsVersion::kTls13 || reader.mid_message())))
      __builtin_trap();
    if (e.messages < e.tickets + e.renegotiations) __builtin_trap();
    if ((e.tickets > 0 && (server || version != TlsVersion::kTls13)) ||
        (e.renegotiations > 0 && version != TlsVersion::kTls12))
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static AeadEngine engine;  // one per process, as one per core in the dataplane
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const TlsVersion version = mode & 1 ? TlsVersion::kTls13 : TlsVersion::kTls12;
  const CipherSuite suite = kSuites[(mode >> 1) % 3];
  const bool out_of_place = mode & 0x40;
  const std::vector<uint8_t> key(key_size(suite), 0x11), iv(iv_size(version, suite), 0x22);
  static TrafficKeys keys;
  if (!engine.install(keys, version, suite, key, iv)) __builtin_trap();

  std::vector<uint8_t> stream(data + 1, data + size);  // mutable: records are opened in place
  read_post_handshake(version, (mode & 0x80) != 0, stream);
  std::vector<uint8_t> storage(kMaxRecordSize);
  std::vector<uint8_t> out(kMaxCiphertext);
  RecordReader reader(storage);
  size_t at = 0;
  while (at < stream.size()) {
    // Piece length from the byte at the cut (1..256), so splits are under the fuzzer's control.
    const size_t piece = std::min<size_t>(stream.size() - at, size_t{stream[at]} + 1);
    reader.feed({stream.data() + at, piece});
    at += piece;
    OpenTicket tickets[AeadEngine::kCapacity];
    size_t n = 0;
    for (;;) {
      const ReadResult r = reader.next();
      if (r.status == ReadResult::Status::kError) return 0;
      if (r.status == ReadResult::Status::kNeedMore) break;
      if (r.record.size() < kHeaderSize || r.record.size() > kMaxRecordSize) __builtin_trap();
      // Out of place only for the first record of a batch: `out` holds one.
      tickets[n] = out_of_place && n == 0 ? queue_open(engine, keys, r.record, out)
                                          : queue_open(engine, keys, r.record);
      if (tickets[n].error == RecordError::kBatchFull) __builtin_trap();  // we run before it fills
      ++n;
      if (n == AeadEngine::kCapacity) break;  // the rest of this piece waits: feed() only when drained
    }
    engine.run();
    for (size_t i = 0; i < n; ++i) {
      const Plaintext p = finish_open(engine, tickets[i]);
      if (p.error == RecordError::kNone && p.content.size() > kMaxPlaintext) __builtin_trap();
    }
    engine.clear();
    if (n == AeadEngine::kCapacity) return 0;  // keep the contract simple: stop at a full batch
  }
  return 0;
}
