// A byte stream as a FIFO of (packet, offset, length) chunks, with chunk nodes drawn from a per-core
// pool: no allocation per chunk, and an idle connection's queues cost two pointers each.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/tcp/buffer.h"

namespace tollgate::tcp {

struct Chunk {
  PacketRef packet = nullptr;
  uint32_t offset = 0;
  uint32_t length = 0;
  Chunk* next = nullptr;
};

// Fixed-capacity free list of chunk nodes for one core.
class ChunkPool {
 public:
  explicit ChunkPool(size_t capacity) : nodes_(capacity) {
    for (size_t i = 0; i + 1 < capacity; ++i) nodes_[i].next = &nodes_[i + 1];
    free_ = capacity ? &nodes_[0] : nullptr;
  }
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  Chunk* get() {
    Chunk* c = free_;
    if (c) {
      free_ = c->next;
      *c = Chunk{};
      ++used_;
    }
    return c;
  }
  void put(Chunk* c) {
    c->packet = nullptr;
    c->next = free_;
    free_ = c;
    --used_;
  }
  size_t used() const { return used_; }
  size_t capacity() const { return nodes_.size(); }

 private:
  std::vector<Chunk> nodes_;
  Chunk* free_ = nullptr;
  size_t used_ = 0;
};

class ChunkQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  uint32_t bytes() const { return bytes_; }
  uint32_t chunks() const { return chunks_; }  // each holds a reference to its packet buffer
  Chunk* front() const { return head_; }
  Chunk* back() const { return tail_; }

  // The last chunk covers `n` more bytes of its packet, which follow it there (the caller wrote them).
  void extend_back(uint32_t n) {
    tail_->length += n;
    bytes_ += n;
  }

  // Appends `length` bytes of `packet` from `offset`, retaining the packet. False when the pool is empty.
  bool append(ChunkPool& pool, const BufferOps& ops, PacketRef packet, uint32_t offset, uint32_t length) {
    if (length == 0) return true;
    Chunk* c = pool.get();
    if (!c) return false;
    ops.hold(packet);
    c->packet = packet;
    c->offset = offset;
    c->length = length;
    if (tail_) {
      tail_->next = c;
    } else {
      head_ = c;
    }
    tail_ = c;
    bytes_ += length;
    ++chunks_;
    return true;
  }

  // Removes `n` bytes from the front (n <= bytes()), releasing packets of chunks fully consumed.
  void consume(ChunkPool& pool, const BufferOps& ops, uint32_t n) {
    bytes_ -= n;
    while (n > 0 && head_) {
      Chunk* c = head_;
      if (n < c->length) {
        c->offset += n;
        c->length -= n;
        return;
      }
      n -= c->length;
      head_ = c->next;
      if (!head_) tail_ = nullptr;
      --chunks_;
      ops.drop(c->packet);
      pool.put(c);
    }
  }

  void clear(ChunkPool& pool, const BufferOps& ops) { consume(pool, ops, bytes_); }

  // Copies up to out.size() bytes starting `skip` bytes into the queue; returns how many were copied.
  size_t copy_out(const BufferOps& ops, uint32_t skip, std::span<uint8_t> out) const {
    size_t done = 0;
    for (const Chunk* c = head_; c && done < out.size(); c = c->next) {
      if (skip >= c->length) {
        skip -= c->length;
        continue;
      }
      const auto src = ops.view(c->packet).subspan(c->offset + skip, c->length - skip);
      const size_t n = src.size() < out.size() - done ? src.size() : out.size() - done;
      std::copy_n(src.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
      done += n;
      skip = 0;
    }
    return done;
  }

 private:
  Chunk* head_ = nullptr;
  Chunk* tail_ = nullptr;
  uint32_t bytes_ = 0;
  uint32_t chunks_ = 0;
};

}  // namespace tollgate::tcp
