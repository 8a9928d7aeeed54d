// A text console on a linear framebuffer: the log (and panics) on a screen, for machines
// without a serial port.
//
// Handles direct-RGB framebuffers of 15/16/24/32 bits per pixel (any channel layout the
// loader reports) and EGA text mode (multiboot2 type 2: character+attribute cells).
// Indexed-colour modes are refused. 8x16 glyphs, light grey on black; "\n" starts a new
// line, "\r" returns to column 0, "\t" advances to the next multiple of 8, bytes outside
// ASCII print as '?'. Scrolling moves the rows up with memmove (reads framebuffer memory:
// slow on real write-combined VRAM, but only paid when the screen is full).
//
// Portable (no hardware access besides the memory given to init()), host-tested over a
// plain buffer. Not internally locked: the console layer serializes writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "boot/boot_info.h"
#include "lib/fmt/format.h"

namespace kernel::fbcon {

class FramebufferConsole final : public keel::fmt::Sink {
 public:
  constexpr FramebufferConsole() = default;

  // `mapped_base` is where framebuffer.paddr is mapped (pitch * height bytes, writable).
  // Returns false (and stays inert) for unsupported formats or absurd geometry.
  bool init(const boot::Framebuffer& framebuffer, void* mapped_base);

  void write(std::string_view text) override;

  // Clears the screen and homes the cursor.
  void clear();

  bool present() const { return mode_ != Mode::None; }
  std::uint32_t columns() const { return columns_; }
  std::uint32_t rows() const { return rows_; }
  // The pixel grid, for drawing besides text (0 in EGA text mode: no pixels there).
  std::uint32_t pixel_width() const { return mode_ == Mode::Pixels ? width_ : 0; }
  std::uint32_t pixel_height() const { return mode_ == Mode::Pixels ? height_ : 0; }
  // Fills the rectangle (clipped to the screen) with white or with the background black.
  // Does nothing in EGA text mode.
  void fill_rect(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
                 bool white);
  // == columns() after a full line: the wrap happens when the next character arrives.
  std::uint32_t cursor_column() const { return column_; }
  std::uint32_t cursor_row() const { return row_; }

 private:
  enum class Mode : std::uint8_t { None, Pixels, EgaText };

  void put_char(char c);
  void draw_cell(std::uint32_t column, std::uint32_t row, std::uint8_t ch);
  void clear_row(std::uint32_t row);
  void newline();
  void store_pixel(std::uint8_t* at, std::uint32_t value) const;

  Mode mode_ = Mode::None;
  std::uint8_t* base_ = nullptr;
  std::uint32_t pitch_ = 0;           // bytes per scan line (pixel) or per text row (EGA)
  std::uint32_t bytes_per_pixel_ = 0;
  std::uint32_t foreground_ = 0;      // packed pixel values for the framebuffer's layout
  std::uint32_t background_ = 0;
  std::uint32_t white_ = 0;
  std::uint32_t width_ = 0, height_ = 0;  // pixels (Mode::Pixels only)
  std::uint32_t columns_ = 0, rows_ = 0;
  std::uint32_t column_ = 0, row_ = 0;
};

// Packs an 8-bit-per-channel colour into a pixel with the given channel layout.
std::uint32_t pack_rgb(const boot::Framebuffer& fb, std::uint8_t r, std::uint8_t g,
                       std::uint8_t b);

}  // namespace kernel::fbcon
