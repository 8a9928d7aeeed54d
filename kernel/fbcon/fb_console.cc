#include "kernel/fbcon/fb_console.h"

#include <cstring>

#include "kernel/fbcon/font.h"

namespace kernel::fbcon {
namespace {

constexpr std::uint8_t FB_TYPE_RGB = 1;
constexpr std::uint8_t FB_TYPE_EGA_TEXT = 2;
constexpr std::uint8_t EGA_LIGHT_GREY_ON_BLACK = 0x07;
constexpr std::uint8_t FG_LEVEL = 0xc0;  // light grey
constexpr std::uint32_t MAX_DIMENSION = 16384;

std::uint32_t scale_channel(std::uint8_t value, std::uint8_t pos, std::uint8_t size) {
  if (size == 0 || size > 8 || pos >= 32) return 0;
  return (std::uint32_t{value} >> (8 - size)) << pos;
}

}  // namespace

std::uint32_t pack_rgb(const boot::Framebuffer& fb, std::uint8_t r, std::uint8_t g,
                       std::uint8_t b) {
  return scale_channel(r, fb.red_pos, fb.red_size) | scale_channel(g, fb.green_pos, fb.green_size) |
         scale_channel(b, fb.blue_pos, fb.blue_size);
}

bool FramebufferConsole::init(const boot::Framebuffer& fb, void* mapped_base) {
  mode_ = Mode::None;
  if (mapped_base == nullptr || !fb.present() || fb.width > MAX_DIMENSION ||
      fb.height > MAX_DIMENSION) {
    return false;
  }
  base_ = static_cast<std::uint8_t*>(mapped_base);
  pitch_ = fb.pitch;
  column_ = row_ = 0;

  if (fb.type == FB_TYPE_EGA_TEXT) {
    if (pitch_ < fb.width * 2) return false;
    bytes_per_pixel_ = 2;  // one cell: character, attribute
    columns_ = fb.width;
    rows_ = fb.height;
    mode_ = Mode::EgaText;
  } else if (fb.type == FB_TYPE_RGB) {
    if (fb.bpp != 15 && fb.bpp != 16 && fb.bpp != 24 && fb.bpp != 32) return false;
    bytes_per_pixel_ = (fb.bpp + 7u) / 8u;
    if (pitch_ < fb.width * bytes_per_pixel_) return false;
    columns_ = fb.width / FONT_WIDTH;
    rows_ = fb.height / FONT_HEIGHT;
    if (columns_ == 0 || rows_ == 0) return false;
    foreground_ = pack_rgb(fb, FG_LEVEL, FG_LEVEL, FG_LEVEL);
    background_ = pack_rgb(fb, 0, 0, 0);
    white_ = pack_rgb(fb, 255, 255, 255);
    width_ = fb.width;
    height_ = fb.height;
    mode_ = Mode::Pixels;
  } else {
    return false;  // indexed colour: would need a palette
  }
  clear();
  return true;
}

void FramebufferConsole::clear() {
  if (mode_ == Mode::None) return;
  for (std::uint32_t r = 0; r < rows_; ++r) clear_row(r);
  column_ = row_ = 0;
}

void FramebufferConsole::fill_rect(std::uint32_t x, std::uint32_t y, std::uint32_t w,
                                   std::uint32_t h, bool white) {
  if (mode_ != Mode::Pixels || x >= width_ || y >= height_) return;
  const std::uint32_t x_end = w > width_ - x ? width_ : x + w;
  const std::uint32_t y_end = h > height_ - y ? height_ : y + h;
  const std::uint32_t value = white ? white_ : background_;
  for (std::uint32_t row = y; row < y_end; ++row) {
    std::uint8_t* line = base_ + std::size_t{row} * pitch_;
    for (std::uint32_t col = x; col < x_end; ++col) {
      store_pixel(line + std::size_t{col} * bytes_per_pixel_, value);
    }
  }
}

void FramebufferConsole::store_pixel(std::uint8_t* at, std::uint32_t value) const {
  switch (bytes_per_pixel_) {
    case 4:
      std::memcpy(at, &value, 4);
      break;
    case 3:
      at[0] = static_cast<std::uint8_t>(value);
      at[1] = static_cast<std::uint8_t>(value >> 8);
      at[2] = static_cast<std::uint8_t>(value >> 16);
      break;
    default:
      at[0] = static_cast<std::uint8_t>(value);
      at[1] = static_cast<std::uint8_t>(value >> 8);
      break;
  }
}

void FramebufferConsole::draw_cell(std::uint32_t column, std::uint32_t row, std::uint8_t ch) {
  if (ch >= 128) ch = '?';
  if (mode_ == Mode::EgaText) {
    std::uint8_t* cell = base_ + std::size_t{row} * pitch_ + std::size_t{column} * 2;
    cell[0] = ch;
    cell[1] = EGA_LIGHT_GREY_ON_BLACK;
    return;
  }
  const std::uint8_t* glyph = FONT_8X16[ch];
  std::uint8_t* line = base_ + std::size_t{row} * FONT_HEIGHT * pitch_ +
                       std::size_t{column} * FONT_WIDTH * bytes_per_pixel_;
  for (unsigned y = 0; y < FONT_HEIGHT; ++y, line += pitch_) {
    const std::uint8_t bits = glyph[y];
    std::uint8_t* px = line;
    for (unsigned x = 0; x < FONT_WIDTH; ++x, px += bytes_per_pixel_) {
      store_pixel(px, (bits & (0x80u >> x)) != 0 ? foreground_ : background_);
    }
  }
}

void FramebufferConsole::clear_row(std::uint32_t row) {
  for (std::uint32_t c = 0; c < columns_; ++c) draw_cell(c, row, ' ');
}

void FramebufferConsole::newline() {
  column_ = 0;
  if (row_ + 1 < rows_) {
    ++row_;
    return;
  }
  // Scroll: move text rows 1..rows-1 up by one text row, then blank the last one.
  const std::size_t row_bytes =
      mode_ == Mode::EgaText ? std::size_t{pitch_} : std::size_t{pitch_} * FONT_HEIGHT;
  std::memmove(base_, base_ + row_bytes, row_bytes * (rows_ - 1));
  clear_row(rows_ - 1);
}

void FramebufferConsole::put_char(char c) {
  switch (c) {
    case '\n':
      newline();
      return;
    case '\r':
      column_ = 0;
      return;
    case '\t':
      do put_char(' ');
      while (column_ % 8 != 0);
      return;
    default:
      break;
  }
  // Deferred wrap: a full line moves on only when more text comes, so a line of exactly
  // `columns` characters followed by "\n" does not leave an empty line behind.
  if (column_ >= columns_) newline();
  draw_cell(column_, row_, static_cast<std::uint8_t>(c));
  ++column_;
}

void FramebufferConsole::write(std::string_view text) {
  if (mode_ == Mode::None) return;
  for (char c : text) put_char(c);
}

}  // namespace kernel::fbcon
