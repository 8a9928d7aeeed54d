// A QR Code encoder (ISO/IEC 18004:2015, model 2): byte mode, versions 1 to 40, error
// correction levels L/M/Q/H, Reed-Solomon over GF(256), all eight masks scored with the
// standard's four penalty rules.
//
// Freestanding: no allocation, no I/O. A Code holds the finished symbol and the scratch
// space encoding needs (~12 KiB); keep it static or on the heap in a kernel, not on a small
// stack. Portable, host-tested against zbarimg (lib/qr/qr_zbar_test.py).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

namespace keel::qr {

enum class Ecc : std::uint8_t { L = 0, M = 1, Q = 2, H = 3 };

enum class Error : std::uint8_t {
  TooLong,        // the payload does not fit the largest allowed version at the lowest level
  BadVersionRange,  // min_version/max_version outside 1..40 or min > max
  BadMask,        // a forced mask outside 0..7
};

const char* error_name(Error error);

inline constexpr int MIN_VERSION = 1;
inline constexpr int MAX_VERSION = 40;
inline constexpr int MAX_SIZE = 17 + 4 * MAX_VERSION;  // modules per side of version 40

constexpr int size_of_version(int version) { return 17 + 4 * version; }

// The largest byte-mode payload a version holds at a level (the standard's table 7).
int byte_capacity(int version, Ecc ecc);

struct Options {
  Ecc min_ecc = Ecc::M;
  int min_version = MIN_VERSION;
  int max_version = MAX_VERSION;
  int mask = -1;           // -1: the lowest-penalty mask; 0..7: that mask
  bool boost_ecc = true;   // raise the level while the chosen version still holds the data
};

class Code {
 public:
  constexpr Code() = default;

  int version() const { return version_; }
  int size() const { return size_of_version(version_); }
  Ecc ecc() const { return ecc_; }
  int mask() const { return mask_; }
  // Module (x, y), x to the right and y down from the top-left; dark is true.
  // Outside the symbol (the quiet zone) is light.
  bool dark(int x, int y) const;

 private:
  friend std::expected<void, Error> encode(std::span<const std::uint8_t>, const Options&,
                                           Code&);
  using Bits = std::array<std::uint8_t, (MAX_SIZE * MAX_SIZE + 7) / 8>;
  static constexpr int MAX_CODEWORDS = 3706;  // version 40's raw capacity in codewords

  void set(Bits& bits, int x, int y, bool on);
  bool get(const Bits& bits, int x, int y) const;
  void set_function(int x, int y, bool on);
  void draw_function_patterns();
  void draw_finder(int cx, int cy);
  void draw_alignment(int cx, int cy);
  void draw_format(int mask);
  void draw_version();
  void place_codewords(std::span<const std::uint8_t> codewords);
  void apply_mask(int mask);
  long penalty() const;

  int version_ = 1;
  Ecc ecc_ = Ecc::L;
  int mask_ = 0;
  Bits modules_{};
  Bits function_{};  // finder, timing, alignment, format and version modules: never masked
  std::array<std::uint8_t, MAX_CODEWORDS> data_{};
  std::array<std::uint8_t, MAX_CODEWORDS> interleaved_{};
};

// Encodes `bytes` in byte mode into `out` with the smallest version in
// [min_version, max_version] that holds them at min_ecc. On error `out` is unspecified.
[[nodiscard]] std::expected<void, Error> encode(std::span<const std::uint8_t> bytes, const Options& options,
                                  Code& out);

}  // namespace keel::qr
