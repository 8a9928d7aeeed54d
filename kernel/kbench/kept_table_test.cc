// The kept table drawn on a framebuffer console: the page's lines in the screen's rows,
// from the top, nothing scrolled away; the rows outlive the result store.
#include "kernel/kbench/kept_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kernel::kbench {
namespace {

// An EGA text screen (character, attribute per cell): its text reads straight back.
struct TextScreen {
  TextScreen(std::uint32_t columns, std::uint32_t rows)
      : columns(columns), cells(std::size_t{columns} * rows * 2, 0) {
    boot::Framebuffer fb;
    fb.paddr = 0xb8000;
    fb.width = columns;
    fb.height = rows;
    fb.pitch = columns * 2;
    fb.type = 2;
    EXPECT_TRUE(console.init(fb, cells.data()));
  }
  std::string row(std::uint32_t r) const {
    std::string text;
    for (std::uint32_t c = 0; c < columns; ++c) {
      text += static_cast<char>(cells[(std::size_t{r} * columns + c) * 2]);
    }
    return text.substr(0, text.find_last_not_of(' ') + 1);
  }

  std::uint32_t columns;
  std::vector<std::uint8_t> cells;
  kernel::fbcon::FramebufferConsole console;
};

void record(ResultStore& store, std::string_view name, std::uint64_t cycles) {
  InstanceResult* result = store.add_instance(name, 0, 0, 1);
  ASSERT_NE(result, nullptr);
  Repetition repetition;
  repetition.iterations = 10;
  repetition.cycles = cycles;
  ASSERT_TRUE(store.add_repetition(*result, repetition));
}

TEST(KeptTable, DrawsEachPageFromTheTopWithoutScrolling) {
  ReportContext context;
  context.cpu_model = "Test CPU";
  context.accelerator = "tcg";
  {
    InstanceResult instances[4];
    Repetition repetitions[4];
    ResultStore store(instances, repetitions);
    record(store, "cpu/a", 1000);
    record(store, "cpu/b", 2000);
    record(store, "cpu/c", 3000);
    record(store, "cpu/d", 4000);
    EXPECT_EQ(keep_table(context, store, 0), 0u);
    // Overwritten once kept: the table must not point into the store.
    for (InstanceResult& instance : instances) instance.name[0] = 'X';
  }
  TextScreen screen(48, 5);  // 3 rows per page
  ASSERT_EQ(kept_table_pages(screen.console), 2u);
  screen.console.write("old text that the page must clear");
  draw_kept_table_page(screen.console, 0);
  EXPECT_EQ(screen.row(0), "keel kbench results, page 1/2 - 1970-01-01T00:00");
  EXPECT_EQ(screen.row(1), "Benchmark  Figure             Iterations");
  EXPECT_EQ(screen.row(2), "cpu/a      100.000 cycles/op          10");
  EXPECT_EQ(screen.row(4), "cpu/c      300.000 cycles/op          10");
  draw_kept_table_page(screen.console, 1);
  EXPECT_EQ(screen.row(0).substr(0, 29), "keel kbench results, page 2/2");
  EXPECT_EQ(screen.row(2), "cpu/d      400.000 cycles/op          10");
  EXPECT_EQ(screen.row(3), "");
}

TEST(KeptTable, NoPagesWithoutAScreen) {
  kernel::fbcon::FramebufferConsole none;
  EXPECT_EQ(kept_table_pages(none), 0u);
}

}  // namespace
}  // namespace kernel::kbench
