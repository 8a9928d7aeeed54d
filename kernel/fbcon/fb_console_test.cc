#include "kernel/fbcon/fb_console.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernel/fbcon/font.h"

namespace kernel::fbcon {
namespace {

boot::Framebuffer rgb(std::uint32_t width, std::uint32_t height, std::uint8_t bpp,
                      std::uint32_t pitch) {
  boot::Framebuffer fb;
  fb.paddr = 0xfd000000;
  fb.width = width;
  fb.height = height;
  fb.bpp = bpp;
  fb.pitch = pitch;
  fb.type = 1;
  fb.red_pos = 16, fb.red_size = 8, fb.green_pos = 8, fb.green_size = 8, fb.blue_pos = 0,
  fb.blue_size = 8;
  return fb;
}

// A console initialized on `mem`, a simulated 32-bpp RGB framebuffer of width x height
// pixels whose scan lines are `pitch` bytes apart, filled with `fill` before init.
struct Screen32 {
  Screen32(std::uint32_t width, std::uint32_t height, std::uint32_t pitch, std::uint8_t fill = 0)
      : pitch(pitch), mem(pitch * height, fill),
        initialized(con.init(rgb(width, height, 32, pitch), mem.data())) {}

  std::uint32_t pixel(std::uint32_t x, std::uint32_t y) const {
    std::uint32_t px;
    std::memcpy(&px, &mem[y * pitch + x * 4], 4);
    return px;
  }
  // The 8x16 cell at (col, row) read back as font-style row bitmaps.
  std::vector<std::uint8_t> cell(std::uint32_t col, std::uint32_t row) const {
    std::vector<std::uint8_t> rows(16);
    for (unsigned y = 0; y < 16; ++y) {
      for (unsigned x = 0; x < 8; ++x) {
        if (pixel(col * 8 + x, row * 16 + y) != 0) rows[y] |= static_cast<std::uint8_t>(0x80u >> x);
      }
    }
    return rows;
  }

  const std::uint32_t pitch;
  std::vector<std::uint8_t> mem;
  FramebufferConsole con;
  const bool initialized;  // what con.init returned
};

std::vector<std::uint8_t> glyph(char c) {
  return {FONT_8X16[static_cast<unsigned char>(c)], FONT_8X16[static_cast<unsigned char>(c)] + 16};
}

TEST(Font, LooksLikeTheLetterA) {
  // Rows 2..11 of 'A': a peak, two legs and a crossbar (GRUB's bitmap).
  EXPECT_EQ(FONT_8X16['A'][2], 0x18);
  EXPECT_EQ(FONT_8X16['A'][7], 0x7e);
  EXPECT_EQ(FONT_8X16[' '][8], 0x00);
}

TEST(FbConsole, Draws32bppGlyphs) {
  Screen32 screen(64, 48, 64 * 4, 0xee);
  ASSERT_TRUE(screen.initialized);
  EXPECT_EQ(screen.con.columns(), 8u);
  EXPECT_EQ(screen.con.rows(), 3u);
  EXPECT_EQ(screen.cell(0, 0), glyph(' '));  // cleared to background
  screen.con.write("AB");
  EXPECT_EQ(screen.cell(0, 0), glyph('A'));
  EXPECT_EQ(screen.cell(1, 0), glyph('B'));
  EXPECT_EQ(screen.pixel(1, 7), 0xc0c0c0u);  // 'A' crossbar pixel
}

TEST(FbConsole, FillRectIsClippedAndPaintsWhiteOrBlack) {
  const std::uint32_t pitch = 64 * 4 + 8;  // padding past the visible width
  Screen32 screen(64, 48, pitch, 0xee);
  ASSERT_TRUE(screen.initialized);
  EXPECT_EQ(screen.con.pixel_width(), 64u);
  EXPECT_EQ(screen.con.pixel_height(), 48u);
  screen.con.fill_rect(60, 40, 100, 100, true);  // runs off both edges
  EXPECT_EQ(screen.pixel(60, 40), 0xffffffu);
  EXPECT_EQ(screen.pixel(63, 47), 0xffffffu);
  EXPECT_EQ(screen.pixel(59, 40), 0u);
  EXPECT_EQ(screen.pixel(60, 39), 0u);
  EXPECT_EQ(screen.mem[47 * pitch + 64 * 4], 0xee);  // the padding is not the screen
  screen.con.fill_rect(62, 46, 1, 1, false);
  EXPECT_EQ(screen.pixel(62, 46), 0u);
  EXPECT_EQ(screen.pixel(61, 46), 0xffffffu);
  screen.con.fill_rect(64, 0, 1, 1, true);  // entirely off screen: nothing
  EXPECT_EQ(screen.mem[64 * 4], 0xee);
}

TEST(FbConsole, NewlineCarriageReturnTabAndWrap) {
  Screen32 screen(64, 48, 64 * 4);
  ASSERT_TRUE(screen.initialized);
  FramebufferConsole& con = screen.con;
  con.write("ab\ncd");
  EXPECT_EQ(con.cursor_row(), 1u);
  EXPECT_EQ(con.cursor_column(), 2u);
  con.write("\rX");
  EXPECT_EQ(screen.cell(0, 1), glyph('X'));
  con.write("\t");
  EXPECT_EQ(con.cursor_column(), 8u);  // tab to column 8: the end of an 8-column line
  EXPECT_EQ(con.cursor_row(), 1u);
  con.write("12345678");  // wraps to the last row and fills it exactly: no scroll yet
  EXPECT_EQ(con.cursor_row(), 2u);
  EXPECT_EQ(con.cursor_column(), 8u);
  EXPECT_EQ(screen.cell(0, 1), glyph('X'));
  con.write("\n");  // a full line then "\n": one line break, not two
  EXPECT_EQ(con.cursor_row(), 2u);
  EXPECT_EQ(con.cursor_column(), 0u);
  EXPECT_EQ(screen.cell(0, 1), glyph('1'));
  EXPECT_EQ(screen.cell(0, 2), glyph(' '));
  con.write("9");
  EXPECT_EQ(screen.cell(0, 2), glyph('9'));
}

TEST(FbConsole, ScrollsRowsUp) {
  Screen32 screen(64, 48, 64 * 4 + 32);  // padded scan lines
  ASSERT_TRUE(screen.initialized);
  screen.con.write("1\n2\n3\n4");
  EXPECT_EQ(screen.cell(0, 0), glyph('2'));
  EXPECT_EQ(screen.cell(0, 1), glyph('3'));
  EXPECT_EQ(screen.cell(0, 2), glyph('4'));
}

TEST(FbConsole, Draws24bppWithoutTouchingNeighbours) {
  const std::uint32_t pitch = 16 * 3;
  std::vector<std::uint8_t> mem(pitch * 16 + 1, 0x55);
  FramebufferConsole con;
  ASSERT_TRUE(con.init(rgb(16, 16, 24, pitch), mem.data()));
  con.write("A");
  const std::uint8_t* crossbar = &mem[7 * pitch + 1 * 3];  // 'A' row 7 = 0x7e: x=1 lit
  EXPECT_EQ(crossbar[0], 0xc0);
  EXPECT_EQ(crossbar[1], 0xc0);
  EXPECT_EQ(crossbar[2], 0xc0);
  EXPECT_EQ(mem[7 * pitch], 0x00);   // x=0 background
  EXPECT_EQ(mem.back(), 0x55);       // nothing written past the framebuffer
}

TEST(FbConsole, Packs16bppChannels) {
  boot::Framebuffer fb = rgb(8, 16, 16, 16);
  fb.red_pos = 11, fb.red_size = 5, fb.green_pos = 5, fb.green_size = 6, fb.blue_pos = 0,
  fb.blue_size = 5;
  EXPECT_EQ(pack_rgb(fb, 0xff, 0xff, 0xff), 0xffffu);
  EXPECT_EQ(pack_rgb(fb, 0xff, 0, 0), 0xf800u);
  EXPECT_EQ(pack_rgb(fb, 0, 0xff, 0), 0x07e0u);
}

TEST(FbConsole, EgaTextMode) {
  boot::Framebuffer fb;
  fb.paddr = 0xb8000;
  fb.width = 4;
  fb.height = 2;
  fb.pitch = 8;
  fb.bpp = 16;
  fb.type = 2;
  std::vector<std::uint8_t> mem(16, 0xff);
  FramebufferConsole con;
  ASSERT_TRUE(con.init(fb, mem.data()));
  EXPECT_EQ(mem[0], ' ');
  EXPECT_EQ(mem[1], 0x07);
  con.write("hi\nyo\nZ");
  EXPECT_EQ(mem[0], 'y');  // scrolled: "yo" moved to the first row
  EXPECT_EQ(mem[2], 'o');
  EXPECT_EQ(mem[8], 'Z');
  EXPECT_EQ(mem[9], 0x07);
  EXPECT_EQ(mem[10], ' ');
}

TEST(FbConsole, RefusesUnsupportedFormats) {
  std::vector<std::uint8_t> mem(4096);
  FramebufferConsole con;
  boot::Framebuffer indexed = rgb(64, 16, 8, 64);
  indexed.type = 0;
  EXPECT_FALSE(con.init(indexed, mem.data()));
  EXPECT_FALSE(con.init(rgb(64, 16, 8, 64), mem.data()));    // 8 bpp direct: no
  EXPECT_FALSE(con.init(rgb(64, 16, 32, 100), mem.data()));  // pitch < width * 4
  EXPECT_FALSE(con.init(rgb(4, 16, 32, 16), mem.data()));    // narrower than one glyph
  EXPECT_FALSE(con.init(rgb(64, 16, 32, 256), nullptr));
  EXPECT_FALSE(con.present());
  con.write("ignored");  // inert, no crash
}

TEST(FbConsole, NonAsciiPrintsQuestionMark) {
  Screen32 screen(8, 16, 8 * 4);
  ASSERT_TRUE(screen.initialized);
  screen.con.write("\xc3");
  EXPECT_EQ(screen.cell(0, 0), glyph('?'));
}

}  // namespace
}  // namespace kernel::fbcon
