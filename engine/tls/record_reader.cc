#include "engine/tls/record_reader.h"

#include <algorithm>
#include <cstring>

#include "engine/common/byte_order.h"

namespace tollgate::tls {

RecordReader::RecordReader(std::span<uint8_t> reassembly) : buffer_(reassembly.first(kMaxRecordSize)) {}

size_t RecordReader::record_size(const uint8_t* h) {
  const size_t body = load_be16(h + 3);
  // Refused as soon as the header is complete (RFC 8446 §5.2), before a byte of the body is buffered.
  if (body > kMaxCiphertext) {
    error_ = RecordError::kRecordOverflow;
    return 0;
  }
  return kHeaderSize + body;
}

void RecordReader::save_tail() {
  // Whatever next() left is shorter than one record (it would have returned it otherwise), and a header
  // it could read was already checked, so the tail fits — unless the caller fed before draining.
  if (error_ != RecordError::kNone) return;
  if (buffered_ + input_.size() > buffer_.size() || needed() == 0) {
    error_ = RecordError::kInternalError;
    return;
  }
  std::memcpy(buffer_.data() + buffered_, input_.data(), input_.size());
  buffered_ += input_.size();
  input_ = {};
}

void RecordReader::feed(std::span<uint8_t> bytes) {
  if (!input_.empty()) save_tail();
  input_ = bytes;
}

ReadResult RecordReader::need(size_t n) const {
  ReadResult r;
  r.status = ReadResult::Status::kNeedMore;
  r.needed = n;
  return r;
}

ReadResult RecordReader::next() {
  ReadResult r;
  if (error_ == RecordError::kNone && buffered_ > 0) {
    // Completing a split record: first its header, then its body, from the fed bytes.
    if (buffered_ < kHeaderSize) {
      const size_t take = std::min(kHeaderSize - buffered_, input_.size());
      std::memcpy(buffer_.data() + buffered_, input_.data(), take);
      buffered_ += take;
      input_ = input_.subspan(take);
      if (buffered_ < kHeaderSize) return need(kHeaderSize - buffered_);
    }
    const size_t size = record_size(buffer_.data());
    if (size != 0) {
      const size_t take = std::min(size - buffered_, input_.size());
      std::memcpy(buffer_.data() + buffered_, input_.data(), take);
      buffered_ += take;
      input_ = input_.subspan(take);
      if (buffered_ < size) return need(size - buffered_);
      buffered_ = 0;
      r.status = ReadResult::Status::kRecord;
      r.record = buffer_.first(size);
      return r;
    }
  }
  if (error_ != RecordError::kNone) {
    r.status = ReadResult::Status::kError;
    r.error = error_;
    return r;
  }
  // Records whole inside the fed bytes are returned where they lie.
  if (input_.size() < kHeaderSize) return need(kHeaderSize - input_.size());
  const size_t size = record_size(input_.data());
  if (size == 0) return next();  // reports error_
  if (input_.size() < size) return need(size - input_.size());
  r.status = ReadResult::Status::kRecord;
  r.record = input_.first(size);
  input_ = input_.subspan(size);
  return r;
}

size_t RecordReader::needed() const {
  if (error_ != RecordError::kNone) return 0;
  // The pending bytes are the buffered part followed by the unconsumed input.
  const size_t have = buffered_ + input_.size();
  uint8_t header[kHeaderSize];
  if (have < kHeaderSize) return kHeaderSize - have;
  const size_t from_buffer = std::min(buffered_, kHeaderSize);
  std::memcpy(header, buffer_.data(), from_buffer);
  std::memcpy(header + from_buffer, input_.data(), kHeaderSize - from_buffer);
  const size_t size = kHeaderSize + load_be16(header + 3);
  return have >= size ? 0 : size - have;
}

}  // namespace tollgate::tls
