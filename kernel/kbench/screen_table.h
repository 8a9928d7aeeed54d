// The results table for the framebuffer: one line per benchmark, laid out in the screen's
// character cells and split into pages, e.g. on 64 columns:
//
//   keel kbench results, page 1/2 - 2026-12-06T02:30:00+00:00, QEMU Virtual CPU, 1 CPU
//   Benchmark                         Figure            Iterations
//   kbench.self.rdtsc                 23.282 cycles/op      1382919
//   mm/allocator/al...level/1         31.000 cycles/op      1000000
//   mm/broken                         FAILED: page fault at 0x0
//
// Pure (text in, lines out), so the layout is host-tested; screen_report draws the lines.
// ASCII only: the framebuffer font has no glyph for an ellipsis or a dash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kernel/kbench/results.h"

namespace kernel::kbench {

// One benchmark's line, its figure already formatted.
struct ScreenRow {
  std::string_view name;
  std::string_view value;    // "23.282"; unused unless outcome is Ok
  std::string_view unit;     // "cycles/op", "cycles/GiB", ...
  std::uint64_t iterations = 0;
  Outcome outcome = Outcome::Ok;
  std::string_view message;  // why it was skipped or failed
};

struct ScreenSize {
  std::uint32_t columns = 0;
  std::uint32_t rows = 0;
};

// Below this a table row cannot hold a useful name and figure: the fallback page (a count
// of results and a pointer to the QR codes / serial log) is shown instead.
inline constexpr std::uint32_t MIN_TABLE_COLUMNS = 40;
inline constexpr std::uint32_t MIN_TABLE_ROWS = 5;
// Wider screens use only this many columns (the line buffer's size; 256 cells of 8 px
// already span a 2048 px screen).
inline constexpr std::uint32_t MAX_TABLE_COLUMNS = 256;

// Receives a page's lines, top to bottom.
class LineSink {
 public:
  virtual void line(std::string_view text) = 0;

 protected:
  ~LineSink() = default;
};

// Pages the table needs on the screen: 0 when the screen has no cell, else at least 1
// (a table without benchmarks, or the fallback page, is one page).
std::size_t table_page_count(std::size_t row_count, ScreenSize screen);

// Emits page `page` (< table_page_count): at most screen.rows lines of at most
// min(screen.columns, MAX_TABLE_COLUMNS) characters. `summary` (date, CPU, machine) ends
// the page's header line, truncated when the line is full. Columns are sized over all
// rows, so every page lines up the same.
void layout_table_page(std::span<const ScreenRow> rows, std::string_view summary,
                       ScreenSize screen, std::size_t page, LineSink& out);

// `text` in at most `width` characters: unchanged when it fits, else its start and end
// around "..." ("mm/allocator/al...order/3"), or just its start when `width` is < 5.
// Returns a view of `text` or of `buffer` (which must hold `width` characters).
std::string_view elide_middle(std::string_view text, std::size_t width, std::span<char> buffer);

}  // namespace kernel::kbench
