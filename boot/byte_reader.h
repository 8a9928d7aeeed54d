// Bounds-checked reads from loader-provided bytes, shared by the boot-info parsers.
//
// Loader blobs are untrusted and may be unaligned, so every read is a length check
// followed by std::memcpy: a short span yields "no value", never a read past its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

namespace boot::detail {

// The bytes [offset, offset + size) of `bytes`, or nullopt if any of them is missing.
// Overflow-safe for any offset/size.
inline std::optional<std::span<const std::byte>> subspan_checked(std::span<const std::byte> bytes,
                                                                 std::uint64_t offset,
                                                                 std::uint64_t size) {
  if (offset > bytes.size() || size > bytes.size() - offset) return std::nullopt;
  return bytes.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
}

// A T copied from `bytes` at `offset`, or nullopt if it does not fit.
template <typename T>
  requires std::is_trivially_copyable_v<T>
std::optional<T> read_at(std::span<const std::byte> bytes, std::uint64_t offset) {
  const auto window = subspan_checked(bytes, offset, sizeof(T));
  if (!window) return std::nullopt;
  T value;
  std::memcpy(&value, window->data(), sizeof(T));
  return value;
}

struct StringCopy {
  bool terminated;  // a NUL was found inside `source`
  bool truncated;   // the string (up to that NUL) did not fit `dest` and was cut
};

// Copies the C string at the start of `source` into `dest` (non-empty), always
// NUL-terminating `dest`. If `source` has no NUL the whole span is copied (as far as it
// fits) and `terminated` is false.
inline StringCopy copy_c_string(std::span<const std::byte> source, std::span<char> dest) {
  std::size_t length = 0;
  while (length < source.size() && source[length] != std::byte{0}) ++length;
  const bool terminated = length < source.size();
  const std::size_t copied = length < dest.size() - 1 ? length : dest.size() - 1;
  if (copied > 0) std::memcpy(dest.data(), source.data(), copied);
  dest[copied] = '\0';
  return {terminated, copied < length};
}

// Rounds up to a multiple of 8 without wrapping (inputs are < 2^32 in practice).
constexpr std::uint64_t align_up_8(std::uint64_t value) { return (value + 7) & ~std::uint64_t{7}; }

}  // namespace boot::detail
