// Intrusive free lists threaded through the MetaSlots of free block heads.
//
// A free block's head slot stays UNUSED (no metadata), so its 40 storage bytes hold the
// list links (frame indices), and its in_list names the list: order + 1 for the buddy
// lists, so "is my buddy a free block of order k?" is one load of the buddy's in_list.
// Per-CPU caches mark their blocks CACHE_LIST_BASE + order. Every other frame of a free
// block has in_list 0.
#pragma once

#include <cstdint>
#include <new>

#include "mm/allocator/order.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm {

inline constexpr std::uint64_t NO_FRAME = ~std::uint64_t{0};
inline constexpr std::uint64_t CACHE_LIST_BASE = 0x100;

constexpr std::uint64_t buddy_list_id(unsigned order) { return order + 1; }
constexpr std::uint64_t cache_list_id(unsigned order) { return CACHE_LIST_BASE + order; }

inline MetaSlot& slot_at(std::uint64_t index) { return *frame_to_meta(index * PAGE_SIZE); }

struct FreeLink {
  std::uint64_t prev;
  std::uint64_t next;
};
static_assert(sizeof(FreeLink) <= FRAME_METADATA_MAX_SIZE);

// A doubly linked list of free blocks of one order. Not thread-safe: the owner locks.
class FreeList {
 public:
  constexpr FreeList() = default;

  std::uint64_t head() const { return head_; }
  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static const FreeLink& link(std::uint64_t index) { return *link_ptr(index); }

  void push(std::uint64_t index, std::uint64_t list_id) {
    MetaSlot& slot = slot_at(index);
    ::new (static_cast<void*>(slot.storage)) FreeLink{NO_FRAME, head_};
    if (head_ != NO_FRAME) link_ptr(head_)->prev = index;
    head_ = index;
    ++size_;
    slot.in_list.store(list_id, std::memory_order_relaxed);
  }

  void remove(std::uint64_t index) {
    const FreeLink l = *link_ptr(index);
    if (l.prev != NO_FRAME) link_ptr(l.prev)->next = l.next;
    else head_ = l.next;
    if (l.next != NO_FRAME) link_ptr(l.next)->prev = l.prev;
    --size_;
    slot_at(index).in_list.store(0, std::memory_order_relaxed);
  }

  std::uint64_t pop() {
    const std::uint64_t index = head_;
    remove(index);
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

}  // namespace mm
