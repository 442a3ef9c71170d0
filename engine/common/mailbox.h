// A one-slot hand-over of an owned object between two threads: one side offers, the other takes. The
// dataplane's main lcore hands config generations and certificate contexts to a worker this way, and a
// worker hands drained generations back (each a Mailbox, one direction each). Offering while the slot is
// full replaces the object there, which is deleted by the offering thread: the receiver only ever sees
// the newest. What is left in the slot is deleted with the mailbox. Lock-free (one atomic exchange per
// call), so a worker may take at its timer tick without waiting for the other side.
#pragma once

#include <atomic>
#include <memory>

namespace tollgate {

template <typename T>
class Mailbox {
 public:
  Mailbox() = default;
  ~Mailbox() { clear(); }
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Puts `object` in the slot (null empties it); an object not yet taken is deleted here.
  void offer(std::unique_ptr<T> object) {
    delete slot_.exchange(object.release(), std::memory_order_acq_rel);
  }
  // What was offered last and not yet taken, or null. The slot is empty afterwards.
  std::unique_ptr<T> take() { return std::unique_ptr<T>(slot_.exchange(nullptr, std::memory_order_acq_rel)); }
  // Whether an object waits. Reliable for the only thread that offers (nobody else can fill the slot), a
  // hint for anyone else.
  bool empty() const { return slot_.load(std::memory_order_acquire) == nullptr; }
  // Deletes what the slot holds, on the calling thread (an owner that must free it before other parts).
  void clear() { take().reset(); }

 private:
  std::atomic<T*> slot_{nullptr};
};

}  // namespace tollgate
