// BoundedArray<T, N>: a fixed-capacity sequence for code that runs before any allocator.
//
// Storage is inline (no heap); push_back reports a full array instead of growing, so every
// caller decides what overflow means for it. constexpr-constructible, so it can live in a
// constinit global without a global constructor.
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace mm::memmap {

template <typename T, std::size_t N>
class BoundedArray {
 public:
  static constexpr std::size_t CAPACITY = N;

  constexpr BoundedArray() = default;

  // Returns false (and changes nothing) when the array is full.
  [[nodiscard]] constexpr bool push_back(const T& value) {
    if (size_ == N) return false;
    items_[size_++] = value;
    return true;
  }
  constexpr void pop_back() {
    if (size_ > 0) --size_;
  }
  constexpr void clear() { size_ = 0; }

  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr bool full() const { return size_ == N; }
  static constexpr std::size_t capacity() { return N; }

  // Unchecked, like std::array: callers index below size().
  constexpr T& operator[](std::size_t i) { return items_[i]; }
  constexpr const T& operator[](std::size_t i) const { return items_[i]; }
  constexpr T& back() { return items_[size_ - 1]; }
  constexpr const T& back() const { return items_[size_ - 1]; }

  constexpr T* begin() { return items_.data(); }
  constexpr T* end() { return items_.data() + size_; }
  constexpr const T* begin() const { return items_.data(); }
  constexpr const T* end() const { return items_.data() + size_; }

  constexpr std::span<T> span() { return {items_.data(), size_}; }
  constexpr std::span<const T> span() const { return {items_.data(), size_}; }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

}  // namespace mm::memmap
