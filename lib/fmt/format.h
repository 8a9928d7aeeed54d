// A small type-safe formatter: std::format is not freestanding in libc++ 19.
//
//   keel::fmt::print(sink, "frame {:#x} order {} ({:>8})\n", paddr, order, name);
//
// Replacement fields: {} and {:[<|>][#][0][width][x|X|d|b|s]}. Arguments: integers, bool,
// char, const char*, std::string_view, pointers (hex), and any type with a
// `format_value(keel::fmt::Sink&, const keel::fmt::Spec&, const T&)` found by ADL. Malformed fields print
// as "{?}", never read past the format string.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace keel::fmt {

class Sink {
 public:
  virtual void write(std::string_view text) = 0;

 protected:
  ~Sink() = default;
};

struct Spec {
  char align = '\0';  // '<' or '>' (default: right for numbers, left for text)
  bool alternate = false;
  bool zero_pad = false;
  unsigned width = 0;
  char type = '\0';  // 'x', 'X', 'd', 'b', 's' or none
};

// Writes `text` padded to spec.width.
void write_padded(Sink& sink, const Spec& spec, std::string_view text, bool numeric);
void format_unsigned(Sink& sink, const Spec& spec, std::uint64_t value, bool negative);

inline void format_value(Sink& sink, const Spec& spec, std::string_view v) {
  write_padded(sink, spec, v, false);
}
inline void format_value(Sink& sink, const Spec& spec, const char* v) {
  write_padded(sink, spec, v != nullptr ? std::string_view(v) : std::string_view("(null)"), false);
}
inline void format_value(Sink& sink, const Spec& spec, bool v) {
  write_padded(sink, spec, v ? "true" : "false", false);
}
inline void format_value(Sink& sink, const Spec& spec, char v) {
  write_padded(sink, spec, std::string_view(&v, 1), false);
}
template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>)
void format_value(Sink& sink, const Spec& spec, T v) {
  if constexpr (std::is_signed_v<T>) {
    const bool negative = v < 0;
    const auto magnitude = negative ? std::uint64_t(0) - static_cast<std::uint64_t>(v)
                                    : static_cast<std::uint64_t>(v);
    format_unsigned(sink, spec, magnitude, negative);
  } else {
    format_unsigned(sink, spec, static_cast<std::uint64_t>(v), false);
  }
}
template <typename T>
void format_value(Sink& sink, const Spec& spec, T* v) {
  Spec hex = spec;
  hex.alternate = true;
  if (hex.type == '\0') hex.type = 'x';
  format_unsigned(sink, hex, reinterpret_cast<std::uintptr_t>(v), false);
}
// Error enums name their values once: `const char* error_name(E)` next to the enum (found
// by argument-dependent lookup), a switch over every enumerator without a default, so a new
// enumerator without a name is a -Wswitch error. fmt prints an error by that name, and
// tests and reports use the same function.
template <typename E>
concept NamedError = std::is_enum_v<E> && requires(E e) {
  { error_name(e) } -> std::convertible_to<const char*>;
};
template <NamedError E>
void format_value(Sink& sink, const Spec& spec, E e) {
  format_value(sink, spec, error_name(e));
}
// Any other enum has no printer here: one that is printed declares
// `format_value(keel::fmt::Sink&, const keel::fmt::Spec&, E)` next to it, printing its name. Printing
// one without that does not compile, instead of printing a number nobody can read
// ("planning the metadata failed: 0").
template <typename E>
  requires(std::is_enum_v<E> && !NamedError<E>)
void format_value(Sink& sink, const Spec& spec, E v) = delete;

namespace detail {

using Formatter = void (*)(Sink&, const Spec&, const void*);

template <typename T>
void format_erased(Sink& sink, const Spec& spec, const void* arg) {
  const T& value = *static_cast<const T*>(arg);
  if constexpr (std::is_array_v<T>) {
    // A string literal: `arg` points at the array itself, not at a pointer to it.
    format_value(sink, spec, static_cast<const std::remove_extent_t<T>*>(value));
  } else {
    format_value(sink, spec, value);
  }
}

struct ErasedArg {
  const void* value;
  Formatter format;
};

void vprint(Sink& sink, std::string_view format, const ErasedArg* args, std::size_t count);

}  // namespace detail

template <typename... Args>
void print(Sink& sink, std::string_view format, const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    detail::vprint(sink, format, nullptr, 0);
  } else {
    const detail::ErasedArg erased[] = {
        detail::ErasedArg{&args, &detail::format_erased<std::remove_cvref_t<Args>>}...};
    detail::vprint(sink, format, erased, sizeof...(Args));
  }
}

// Formats into a caller-provided buffer; output past the end is dropped (and counted).
class BufferSink final : public Sink {
 public:
  BufferSink(char* buffer, std::size_t capacity) : buffer_(buffer), capacity_(capacity) {}
  void write(std::string_view text) override;
  std::string_view view() const { return {buffer_, size_}; }
  bool truncated() const { return dropped_ > 0; }
  void clear() { size_ = dropped_ = 0; }

 private:
  char* buffer_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;
};

template <std::size_t N>
class FixedString final : public Sink {
 public:
  void write(std::string_view text) override { inner_.write(text); }
  std::string_view view() const { return inner_.view(); }
  bool truncated() const { return inner_.truncated(); }

 private:
  char storage_[N] = {};
  BufferSink inner_{storage_, N};
};

// Prints a byte count in binary units ("512 MiB", "3.5 GiB", "4 KiB", "17 B").
struct HumanBytes {
  std::uint64_t bytes;
};
void format_value(Sink& sink, const Spec& spec, HumanBytes v);

}  // namespace keel::fmt
