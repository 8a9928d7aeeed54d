// The 8x16 console font: GRUB's ascii.h bitmaps (Debian grub-common), wrapped into a .cc
// at build time by the genrule in BUILD (the font data is not committed to keel).
//
// Glyph c (0..127) is 16 rows of one byte each, top row first, bit 7 = leftmost pixel.
// GRUB draws its own placeholder boxes for the control characters 0..31.
#pragma once

#include <cstdint>

namespace kernel::fbcon {

inline constexpr unsigned FONT_WIDTH = 8;
inline constexpr unsigned FONT_HEIGHT = 16;

extern const std::uint8_t FONT_8X16[128][16];

}  // namespace kernel::fbcon
