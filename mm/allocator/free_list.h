// Intrusive free lists threaded through the MetaSlots of free block heads.
//
// A free block's head slot is FREE (no metadata), so its 40 storage bytes hold the list
// links (frame indices), and its `block` word says "on the buddy list of order k", so "is
// my buddy a free block of order k?" is one load of the buddy's `block` (mm/frame/slot_ops.h
// holds these states). Every other frame of a free block is a TAIL.
#pragma once

#include <cstdint>
#include <new>

#include "mm/allocator/order.h"
#include "mm/frame/slot_ops.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm::allocator {

inline constexpr std::uint64_t NO_FRAME = ~std::uint64_t{0};

inline meta::MetaSlot& slot_at(std::uint64_t index) { return *meta::frame_to_meta(index * PAGE_SIZE); }

struct FreeLink {
  std::uint64_t prev;
  std::uint64_t next;
};
static_assert(sizeof(FreeLink) <= meta::FRAME_METADATA_MAX_SIZE);

// A doubly linked list of free blocks of one order. Not thread-safe: the owner locks.
class FreeList {
 public:
  constexpr FreeList() = default;

  std::uint64_t head() const { return head_; }
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static const FreeLink& link(std::uint64_t index) { return *link_ptr(index); }

  // Puts the block headed by `index` (owned by the caller) on this list of `order`.
  void push(std::uint64_t index, unsigned order) {
    meta::MetaSlot& slot = slot_at(index);
    ::new (static_cast<void*>(slot.storage)) FreeLink{NO_FRAME, head_};
    if (head_ != NO_FRAME) link_ptr(head_)->prev = index;
    head_ = index;
    ++size_;
    frame::slot::make_free_head(slot, frame::slot::FreeWhere::BuddyList, order);
  }

  // Takes the block headed by `index` off the list; the caller owns it (FREE, in transit).
  void remove(std::uint64_t index, unsigned order) {
    const FreeLink l = *link_ptr(index);
    if (l.prev != NO_FRAME) link_ptr(l.prev)->next = l.next;
    else head_ = l.next;
    if (l.next != NO_FRAME) link_ptr(l.next)->prev = l.prev;
    --size_;
    frame::slot::make_free_head(slot_at(index), frame::slot::FreeWhere::Transit, order);
  }

  std::uint64_t pop(unsigned order) {
    const std::uint64_t index = head_;
    remove(index, order);
    return index;
  }

  void clear() {
    head_ = NO_FRAME;
    size_ = 0;
  }

 private:
  static FreeLink* link_ptr(std::uint64_t index) {
    return std::launder(reinterpret_cast<FreeLink*>(slot_at(index).storage));
  }

  std::uint64_t head_ = NO_FRAME;
  std::uint64_t size_ = 0;
};

}  // namespace mm::allocator
