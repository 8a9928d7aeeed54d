// UntypedBytes: bounds-checked byte access to untyped frames (AnyUFrameMeta), through the
// linear map (mm::phys_to_virt). Typed frames host C++ objects and have no such view.
//
// The view does not own the memory: take it from a live handle (frame.bytes()) and do not
// keep it past that handle. Untyped memory may be shared with devices or other CPUs, so
// concurrent writers race on the bytes (not on any C++ object) — like DMA buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <span>

#include "mm/hal.h"
#include "mm/linear_map.h"
#include "mm/types.h"

namespace mm::frame {

enum class FrameAccessError : std::uint8_t {
  OutOfBounds,  // [offset, offset + len) is not inside the frame(s)
};
constexpr const char* error_name(FrameAccessError e) {
  switch (e) {
    case FrameAccessError::OutOfBounds: return "OutOfBounds";
  }
  return "FrameAccessError(?)";
}

class UntypedBytes {
 public:
  UntypedBytes(Paddr pa, std::uint64_t nbytes) : pa_(pa), nbytes_(nbytes) {}

  Paddr paddr() const { return pa_; }
  std::uint64_t size() const { return nbytes_; }

  // Copies size(out) bytes starting at `offset` into `out`.
  [[nodiscard]] std::expected<void, FrameAccessError> read_bytes(
      std::uint64_t offset, std::span<std::byte> out) const {
    if (!fits(offset, out.size())) return std::unexpected(FrameAccessError::OutOfBounds);
    if (!out.empty()) std::memcpy(out.data(), at(offset), out.size());
    return {};
  }
  // Copies `in` to the bytes starting at `offset`.
  [[nodiscard]] std::expected<void, FrameAccessError> write_bytes(
      std::uint64_t offset, std::span<const std::byte> in) const {
    if (!fits(offset, in.size())) return std::unexpected(FrameAccessError::OutOfBounds);
    if (!in.empty()) std::memcpy(at(offset), in.data(), in.size());
    return {};
  }
  // Sets [offset, offset + len) to `value`.
  [[nodiscard]] std::expected<void, FrameAccessError> fill(std::uint64_t offset,
                                                           std::uint64_t len,
                                                           std::byte value) const {
    if (!fits(offset, len)) return std::unexpected(FrameAccessError::OutOfBounds);
    if (len != 0) std::memset(at(offset), static_cast<int>(value), len);
    return {};
  }
  void zero() const { std::memset(at(0), 0, nbytes_); }

 private:
  // Overflow-free: offset + len ≤ nbytes without computing offset + len.
  bool fits(std::uint64_t offset, std::uint64_t len) const {
    return offset <= nbytes_ && len <= nbytes_ - offset;
  }
  std::byte* at(std::uint64_t offset) const {
    return static_cast<std::byte*>(phys_to_virt(pa_)) + offset;
  }

  Paddr pa_;
  std::uint64_t nbytes_;
};

}  // namespace mm::frame
