// One core's pool of objects of one type (sessions, connection slots, probes): made on first need up to a
// maximum, then reused. Most listeners never see their maximum of clients at once, so objects are not made
// ahead; once made they are never freed before the pool, and each stays at its address, so callers may
// keep pointers into them (intrusive timer nodes, back pointers). Reuse is LIFO: the object released last,
// still warm in cache, comes back first. After the first `max` acquisitions nothing is allocated; release
// never allocates (the free list's room is reserved as objects are made). One core owns a pool: no locks.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <vector>

namespace tollgate {

template <typename T>
class ObjectPool {
 public:
  explicit ObjectPool(size_t max) : max_(max) {}
  ObjectPool(const ObjectPool&) = delete;
  ObjectPool& operator=(const ObjectPool&) = delete;

  // A free object, or nullptr when `max` are in use. An object made now is default-constructed and then
  // passed to `on_made(T&)` (to point it at its owner); a reused one comes back as it was released (the
  // caller resets what it uses).
  template <typename OnMade>
  T* acquire(OnMade&& on_made) {
    if (free_.empty()) {
      if (made_.size() >= max_) return nullptr;
      made_.push_back(std::make_unique<T>());
      // Room for every object made to be free at once, grown as made_ grows (geometrically: reserving
      // exactly one more each time would copy the list on every new object).
      if (free_.capacity() < made_.size()) free_.reserve(made_.capacity());
      T* made = made_.back().get();
      on_made(*made);
      return made;
    }
    T* obj = free_.back();
    free_.pop_back();
    return obj;
  }
  T* acquire() {
    return acquire([](T&) {});
  }

  // Gives back an object acquire() returned and that is not free already.
  void release(T& obj) {
    assert(free_.size() < made_.size());
    free_.push_back(&obj);
  }

  size_t in_use() const { return made_.size() - free_.size(); }
  size_t made() const { return made_.size(); }
  size_t max() const { return max_; }

  // Every object made so far, in use or free, in the order they were made. `f` may acquire and release
  // (objects made meanwhile are visited too).
  template <typename F>
  void for_each_made(F&& f) {
    for (size_t i = 0; i < made_.size(); ++i) f(*made_[i]);
  }
  template <typename F>
  void for_each_made(F&& f) const {
    for (const auto& obj : made_) f(static_cast<const T&>(*obj));
  }

 private:
  size_t max_;
  std::vector<std::unique_ptr<T>> made_;
  std::vector<T*> free_;
};

}  // namespace tollgate
