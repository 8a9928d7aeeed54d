// The screen table's layout: lines within the screen, names elided in the middle, pages,
// the fallback for tiny screens, failed and skipped rows.
#include "kernel/kbench/screen_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kernel::kbench {
namespace {

class Lines final : public LineSink {
 public:
  void line(std::string_view text) override { lines.emplace_back(text); }
  std::vector<std::string> lines;
};

std::vector<std::string> page_of(std::span<const ScreenRow> rows, ScreenSize screen,
                                 std::size_t page = 0) {
  Lines out;
  layout_table_page(rows, "2026-12-06, test CPU", screen, page, out);
  return out.lines;
}

ScreenRow ok(std::string_view name, std::string_view value = "23.282",
             std::uint64_t iterations = 1382919, std::string_view unit = "cycles/op") {
  return ScreenRow{.name = name, .value = value, .unit = unit, .iterations = iterations,
                   .outcome = Outcome::Ok, .message = ""};
}

ScreenRow not_ok(std::string_view name, Outcome outcome, std::string_view message) {
  return ScreenRow{.name = name, .value = "", .unit = "", .iterations = 0,
                   .outcome = outcome, .message = message};
}

// Every line of every page within the screen; the pages together hold every row once.
void expect_within(std::span<const ScreenRow> rows, ScreenSize screen) {
  const std::size_t pages = table_page_count(rows.size(), screen);
  std::size_t data_lines = 0;
  for (std::size_t p = 0; p < pages; ++p) {
    const auto lines = page_of(rows, screen, p);
    EXPECT_LE(lines.size(), screen.rows) << "page " << p;
    for (const std::string& line : lines) EXPECT_LE(line.size(), screen.columns) << line;
    if (lines.size() > 2) data_lines += lines.size() - 2;
  }
  if (screen.columns >= MIN_TABLE_COLUMNS && screen.rows >= MIN_TABLE_ROWS) {
    EXPECT_EQ(data_lines, rows.size());
  }
}

TEST(ScreenTable, FitsExactly) {
  const ScreenRow rows[] = {ok("kbench.self.rdtsc"), ok("cpu.cpuid", "120.000", 5)};
  // Benchmark column 17 + 2 + "120.000 cycles/op" 17 + 2 + "Iterations" 10 = 48 columns;
  // 2 header lines + 2 rows = 4 lines, on a screen of exactly 5 rows (the minimum).
  const ScreenSize screen{48, 5};
  ASSERT_EQ(table_page_count(2, screen), 1u);
  const auto lines = page_of(rows, screen);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "keel kbench results, page 1/1 - 2026-12-06, test");  // cut at 48
  EXPECT_EQ(lines[1], "Benchmark          Figure             Iterations");
  EXPECT_EQ(lines[2], "kbench.self.rdtsc   23.282 cycles/op     1382919");
  EXPECT_EQ(lines[3], "cpu.cpuid          120.000 cycles/op           5");
  EXPECT_EQ(lines[3].size(), 48u);
}

TEST(ScreenTable, HeaderLineIsCutAtTheScreensEdge) {
  const ScreenRow rows[] = {ok("a")};
  const auto lines = page_of(rows, {40, 5});
  EXPECT_EQ(lines[0], "keel kbench results, page 1/1 - 2026-12-");
}

TEST(ScreenTable, WiderNamesAreElidedInTheMiddle) {
  const ScreenRow rows[] = {ok("mm.allocator.alloc_frame_order/3", "31.000", 1000000),
                            ok("cpu.cpuid", "1.000", 1)};
  // 50 columns: the figure (16) and iterations (7 digits under "Iters") take 27 with the
  // gaps, which leaves 23 for the names.
  const auto lines = page_of(rows, {50, 10});
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "Benchmark                Figure              Iters");
  EXPECT_EQ(lines[2], "mm.allocat...me_order/3  31.000 cycles/op  1000000");
  EXPECT_EQ(lines[2].size(), 50u);
  EXPECT_EQ(lines[3].substr(0, 9), "cpu.cpuid");
  expect_within(rows, {50, 10});
}

TEST(ScreenTable, NarrowScreensDropTheIterationsBeforeCuttingNamesShort) {
  const ScreenRow rows[] = {ok("mm.allocator.alloc_frame_order/3", "31.000", 1000000)};
  // 40 columns: with "Iters" the names would get 15 (< 16), so the iterations go and the
  // names get 22.
  const auto lines = page_of(rows, {40, 5});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "Benchmark               Figure");
  EXPECT_EQ(lines[2], "mm.allocat...e_order/3  31.000 cycles/op");
  expect_within(rows, {40, 5});
  // A unit too long for 40 columns even without the iterations is cut at its end.
  const ScreenRow wide_unit[] = {ok("mm.meta.boot", "123456789", 100000,
                                    "instructions/op_per_cpu")};
  const auto cut = page_of(wide_unit, {40, 5});
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[2], "mm.meta.boot  123456789 instructions/op_");
  expect_within(wide_unit, {40, 5});
  // Numbers longer than the screen is wide are cut at its edge.
  const ScreenRow huge[] = {ok("n", std::string_view("12345678901234567890123456789.123456"
                                                     "7890123456789"), 1)};
  expect_within(huge, {40, 5});
}

TEST(ScreenTable, MoreRowsThanFitMakeSeveralPages) {
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) names.push_back("bench/" + std::to_string(i));
  std::vector<ScreenRow> rows;
  for (const std::string& name : names) rows.push_back(ok(name));
  const ScreenSize screen{60, 5};  // 3 rows per page
  ASSERT_EQ(table_page_count(rows.size(), screen), 3u);
  const auto second = page_of(rows, screen, 1);
  ASSERT_EQ(second.size(), 5u);
  EXPECT_EQ(second[0].substr(0, 29), "keel kbench results, page 2/3");
  EXPECT_EQ(second[2].substr(0, 7), "bench/3");
  EXPECT_EQ(second[4].substr(0, 7), "bench/5");
  const auto last = page_of(rows, screen, 2);
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last[2].substr(0, 7), "bench/6");
  EXPECT_TRUE(page_of(rows, screen, 3).empty());  // past the end: nothing
  // Columns are sized over every row: the figure starts at the same column on each page.
  EXPECT_EQ(second[2].find("23.282"), last[2].find("23.282"));
  expect_within(rows, screen);
}

TEST(ScreenTable, TinyScreensShowTheFallback) {
  const ScreenRow rows[] = {ok("a"), ok("b"),
                            not_ok("c", Outcome::Failed, "x")};
  for (const ScreenSize screen : {ScreenSize{39, 25}, ScreenSize{80, 4}, ScreenSize{10, 2},
                                  ScreenSize{1, 1}}) {
    ASSERT_EQ(table_page_count(3, screen), 1u);
    expect_within(rows, screen);
  }
  const auto lines = page_of(rows, {39, 25});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "keel kbench: 3 results");
  EXPECT_EQ(lines[1], "2 ok, 1 failed, 0 skipped");
  EXPECT_EQ(lines[2], "screen 39x25 too small for the table");
  EXPECT_EQ(page_of(rows, {1, 1}), std::vector<std::string>{"k"});
  EXPECT_EQ(table_page_count(3, {0, 25}), 0u);
  EXPECT_EQ(table_page_count(3, {80, 0}), 0u);
  EXPECT_TRUE(page_of(rows, {0, 25}).empty());
}

TEST(ScreenTable, HugeScreensUseAtMostTheLineBuffer) {
  const std::string name(300, 'n');
  const ScreenRow rows[] = {ok(name)};
  const auto lines = page_of(rows, {5000, 3000});
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) EXPECT_LE(line.size(), MAX_TABLE_COLUMNS);
  EXPECT_NE(lines[2].find("n...n"), std::string::npos);
}

TEST(ScreenTable, FailedAndSkippedRowsSaySoWithTheirReason) {
  const ScreenRow rows[] = {
      ok("cpu.cpuid"),
      not_ok("mm/broken", Outcome::Failed, "#PF at 0x0"),
      not_ok("smp/ipi", Outcome::Skipped,
             "needs a second CPU, and this message runs past the screen's edge"),
  };
  const ScreenSize screen{60, 10};
  const auto lines = page_of(rows, screen);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3], "mm/broken  FAILED: #PF at 0x0");
  EXPECT_EQ(lines[4], "smp/ipi    SKIPPED: needs a second CPU, and this message run");
  expect_within(rows, screen);
}

TEST(ScreenTable, NoBenchmarksIsOnePageThatSaysSo) {
  ASSERT_EQ(table_page_count(0, {80, 25}), 1u);
  const auto lines = page_of({}, {80, 25});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "(no benchmark ran)");
}

TEST(ElideMiddle, KeepsBothEnds) {
  char buffer[64];
  EXPECT_EQ(elide_middle("short", 10, buffer), "short");
  EXPECT_EQ(elide_middle("mm.allocator.alloc_frame_order/3", 23, buffer),
            "mm.allocat...me_order/3");
  EXPECT_EQ(elide_middle("mm.allocator.alloc_frame_order/3", 24, buffer),
            "mm.allocato...me_order/3");  // the odd character goes to the start
  EXPECT_EQ(elide_middle("abcdefgh", 5, buffer), "a...h");
  EXPECT_EQ(elide_middle("abcdefgh", 4, buffer), "abcd");  // no room for "...": the start
  EXPECT_EQ(elide_middle("abcdefgh", 0, buffer), "");
}

}  // namespace
}  // namespace kernel::kbench
