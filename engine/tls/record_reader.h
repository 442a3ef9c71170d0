// Cuts a TLS byte stream into complete records (5-byte header + body), however the bytes arrive: one
// record split over many TCP segments, many records in one segment, a header split in two.
//
// Zero copy where possible: a record that lies whole inside the bytes handed to feed() is returned as a
// view into them (and can be opened in place there). Only a record split across feed() calls is copied,
// piece by piece, into the reassembly buffer — bounded to one maximal record (kMaxRecordSize) and lent by
// the caller, so that the reader itself is a few words per connection and the dataplane can take the
// buffer from a per-core pool.
//
// Lifetime rule: the bytes given to feed() must stay valid until the next feed() (or until the reader is
// discarded). Records returned by next() point into them or into the reassembly buffer and are valid until
// that next feed(); so every record of one feed() can be queued in one AeadEngine batch before any is
// finished. An incomplete tail is copied out of the caller's bytes only at the next feed().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/tls/record_types.h"

namespace tollgate::tls {

struct ReadResult {
  enum class Status : uint8_t {
    kRecord,    // `record` is one complete record
    kNeedMore,  // no complete record left in what was fed; `needed` more bytes at least
    kError,     // the stream is broken (`error`, the alert to send); every later call says so again
  };
  Status status = Status::kNeedMore;
  RecordError error = RecordError::kNone;
  std::span<uint8_t> record;
  // kNeedMore: bytes the next record still lacks — exact once its header is known, else what completes
  // the header.
  size_t needed = 0;
};

class RecordReader {
 public:
  // `reassembly` must hold at least kMaxRecordSize bytes; it is used only while a record is split.
  explicit RecordReader(std::span<uint8_t> reassembly);

  // The next bytes of the stream. Call it only once next() has said kNeedMore (or kError) for the previous
  // bytes: what they left, less than a record, is first moved into the reassembly buffer. Feeding early
  // would leave whole records behind; that is a caller bug and breaks the stream with kInternalError.
  void feed(std::span<uint8_t> bytes);
  // The next complete record, or why there is none.
  ReadResult next();

  // Bytes the next record still needs (0 when a complete one is waiting in the fed bytes).
  size_t needed() const;
  // True while part of a split record sits in the reassembly buffer.
  bool reassembling() const { return buffered_ > 0; }

 private:
  // Total size of the record whose header starts at `h`, or 0 after setting error_ if it is too long.
  size_t record_size(const uint8_t* h);
  void save_tail();
  ReadResult need(size_t n) const;

  std::span<uint8_t> buffer_;
  std::span<uint8_t> input_;  // unconsumed part of the last feed()
  size_t buffered_ = 0;       // bytes of the split record held in buffer_
  RecordError error_ = RecordError::kNone;
};

}  // namespace tollgate::tls
