#include "kernel/kbench/kept_table.h"

#include "kernel/kbench/screen_rows.h"
#include "kernel/kbench/screen_table.h"

namespace kernel::kbench {
namespace {

constinit KeptRow g_rows[MAX_KEPT_ROWS];
constinit ScreenRow g_views[MAX_KEPT_ROWS];  // into g_rows
constinit std::size_t g_row_count = 0;
constinit bool g_kept = false;
constinit char g_summary[MAX_TABLE_COLUMNS];
constinit std::size_t g_summary_length = 0;

ScreenSize size_of(const kernel::fbcon::FramebufferConsole& screen) {
  if (!screen.present()) return {};
  return {screen.columns(), screen.rows()};
}

// Writes the lines one under the other. No newline after the last: on the bottom row it
// would scroll the page's first line away.
class ScreenLines final : public LineSink {
 public:
  explicit ScreenLines(kernel::fbcon::FramebufferConsole& screen) : screen_(screen) {}
  void line(std::string_view text) override {
    if (!first_) screen_.write("\n");
    first_ = false;
    screen_.write(text);
  }

 private:
  kernel::fbcon::FramebufferConsole& screen_;
  bool first_ = true;
};

}  // namespace

std::size_t keep_table(const ReportContext& context, const ResultStore& store,
                       std::uint64_t tsc_hz) {
  const auto instances = store.instances();
  g_row_count = instances.size() < MAX_KEPT_ROWS ? instances.size() : MAX_KEPT_ROWS;
  std::uint32_t repetitions = 0;
  for (std::size_t i = 0; i < g_row_count; ++i) {
    const auto recorded = store.repetitions_of(instances[i]);
    keep_row(instances[i], recorded, tsc_hz, "cycles", g_rows[i]);
    g_views[i] = g_rows[i].view();
    if (recorded.size() > repetitions) repetitions = static_cast<std::uint32_t>(recorded.size());
  }
  keel::fmt::BufferSink summary(g_summary, sizeof(g_summary));
  format_screen_summary(summary, context, repetitions);
  g_summary_length = summary.view().size();
  g_kept = true;
  return instances.size() - g_row_count;
}

std::size_t kept_table_pages(const kernel::fbcon::FramebufferConsole& screen) {
  return g_kept ? table_page_count(g_row_count, size_of(screen)) : 0;
}

void draw_kept_table_page(kernel::fbcon::FramebufferConsole& screen, std::size_t page) {
  screen.clear();
  ScreenLines out(screen);
  layout_table_page({g_views, g_row_count}, {g_summary, g_summary_length}, size_of(screen), page,
                    out);
}

}  // namespace kernel::kbench
