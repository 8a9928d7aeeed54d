#include "kernel/kbench/screen_table.h"

#include <algorithm>

#include "lib/fmt/format.h"

namespace kernel::kbench {
namespace {

constexpr std::string_view ELLIPSIS = "...";
constexpr std::string_view NAME_HEADING = "Benchmark";
constexpr std::string_view FIGURE_HEADING = "Figure";
constexpr std::string_view ITERATIONS_HEADING = "Iterations";
constexpr std::string_view SHORT_ITERATIONS_HEADING = "Iters";
constexpr std::size_t HEADER_LINES = 2;  // the page line and the column headings
constexpr std::size_t GAP = 2;          // spaces between columns
// A name elided to 16 characters still shows its family and its argument; below that
// the iterations column goes first, then the end of the unit.
constexpr std::size_t MIN_NAME = 16;
constexpr std::size_t MIN_UNIT = 6;  // "cycles" still says what is counted

// One line of text, cut at the screen's edge whatever is written to it.
class Line final : public keel::fmt::Sink {
 public:
  explicit Line(std::size_t width) : width_(std::min<std::size_t>(width, MAX_TABLE_COLUMNS)) {}

  void write(std::string_view text) override {
    const std::size_t n = std::min(text.size(), width_ - size_);
    std::copy_n(text.data(), n, buffer_ + size_);
    size_ += n;
  }
  void pad_to(std::size_t column) {
    while (size_ < column && size_ < width_) buffer_[size_++] = ' ';
  }
  void left(std::string_view text, std::size_t width) {
    const std::size_t start = size_;
    write(text.substr(0, width));
    pad_to(start + width);
  }
  void right(std::string_view text, std::size_t width) {
    if (text.size() < width) pad_to(size_ + width - text.size());
    write(text.substr(0, width));
  }
  // Without trailing padding: a row whose last cells are empty ends where its text does.
  std::string_view text() const {
    std::size_t end = size_;
    while (end != 0 && buffer_[end - 1] == ' ') --end;
    return {buffer_, end};
  }

 private:
  char buffer_[MAX_TABLE_COLUMNS];
  std::size_t width_;
  std::size_t size_ = 0;
};

struct Columns {
  std::size_t name = 0, value = 0, unit = 0;
  std::size_t iterations = 0;  // 0: the column is left out
  std::string_view iterations_heading = ITERATIONS_HEADING;
};

std::size_t digits(std::uint64_t value) {
  std::size_t n = 1;
  for (; value >= 10; value /= 10) ++n;
  return n;
}

// Natural widths (the longest cell of each column); when the line is too wide, gives up
// what is least missed, in order: the long iterations heading, the middle of long names
// (down to MIN_NAME), the iterations column, the end of long units. Names take what is
// left. Whatever still does not fit (absurdly long numbers) is cut at the screen's edge.
Columns plan_columns(std::span<const ScreenRow> rows, std::size_t width) {
  Columns c{.name = NAME_HEADING.size(), .value = 1};
  std::size_t iteration_digits = 1;
  for (const ScreenRow& row : rows) {
    c.name = std::max(c.name, row.name.size());
    if (row.outcome != Outcome::Ok) continue;
    c.value = std::max(c.value, row.value.size());
    c.unit = std::max(c.unit, row.unit.size());
    iteration_digits = std::max(iteration_digits, digits(row.iterations));
  }
  // "Figure" heads the value and its unit together.
  if (c.value + 1 + c.unit < FIGURE_HEADING.size()) c.unit = FIGURE_HEADING.size() - c.value - 1;
  c.iterations = std::max(iteration_digits, ITERATIONS_HEADING.size());

  // Everything but the names.
  const auto rest = [&] {
    return GAP + c.value + 1 + c.unit + (c.iterations != 0 ? GAP + c.iterations : 0);
  };
  const auto room = [&] { return width > rest() ? width - rest() : 0; };
  const std::size_t min_name = std::min(c.name, MIN_NAME);
  if (room() < c.name) {
    c.iterations_heading = SHORT_ITERATIONS_HEADING;
    c.iterations = std::max(iteration_digits, SHORT_ITERATIONS_HEADING.size());
  }
  if (room() < min_name) c.iterations = 0;
  if (room() < min_name) {
    const std::size_t over = min_name - room();
    if (c.unit > MIN_UNIT) c.unit -= std::min(over, c.unit - MIN_UNIT);
  }
  c.name = std::min(c.name, std::max(room(), ELLIPSIS.size() + 2));
  return c;
}

void emit_row(const ScreenRow& row, const Columns& c, std::size_t width, LineSink& out) {
  Line line(width);
  char elided[MAX_TABLE_COLUMNS];
  line.left(elide_middle(row.name, std::min(c.name, sizeof(elided)), elided), c.name);
  line.pad_to(c.name + GAP);
  if (row.outcome != Outcome::Ok) {
    keel::fmt::print(line, "{}: {}", row.outcome == Outcome::Skipped ? "SKIPPED" : "FAILED",
               row.message);
    out.line(line.text());
    return;
  }
  line.right(row.value, c.value);
  line.write(" ");
  line.left(row.unit, c.unit);
  if (c.iterations != 0) {
    keel::fmt::FixedString<24> iterations;
    keel::fmt::print(iterations, "{}", row.iterations);
    line.pad_to(c.name + GAP + c.value + 1 + c.unit + GAP);
    line.right(iterations.view(), c.iterations);
  }
  out.line(line.text());
}

// For a screen too small for rows of name and figure: what there is to see, in lines as
// short as can say it.
void emit_fallback(std::span<const ScreenRow> rows, ScreenSize screen, LineSink& out) {
  std::size_t counts[3] = {};
  for (const ScreenRow& row : rows) ++counts[static_cast<std::size_t>(row.outcome)];
  Line lines[3] = {Line(screen.columns), Line(screen.columns), Line(screen.columns)};
  keel::fmt::print(lines[0], "keel kbench: {} results", rows.size());
  keel::fmt::print(lines[1], "{} ok, {} failed, {} skipped", counts[0],
             counts[static_cast<std::size_t>(Outcome::Failed)],
             counts[static_cast<std::size_t>(Outcome::Skipped)]);
  keel::fmt::print(lines[2], "screen {}x{} too small for the table", screen.columns, screen.rows);
  for (std::size_t i = 0; i < 3 && i < screen.rows; ++i) out.line(lines[i].text());
}

bool too_small(ScreenSize screen) {
  return screen.columns < MIN_TABLE_COLUMNS || screen.rows < MIN_TABLE_ROWS;
}

}  // namespace

std::string_view elide_middle(std::string_view text, std::size_t width, std::span<char> buffer) {
  if (text.size() <= width) return text;
  if (width < ELLIPSIS.size() + 2) return text.substr(0, width);
  const std::size_t keep = width - ELLIPSIS.size();
  const std::size_t head = (keep + 1) / 2, tail = keep - head;
  char* out = std::copy_n(text.data(), head, buffer.data());
  out = std::copy_n(ELLIPSIS.data(), ELLIPSIS.size(), out);
  std::copy_n(text.data() + text.size() - tail, tail, out);
  return {buffer.data(), width};
}

std::size_t table_page_count(std::size_t row_count, ScreenSize screen) {
  if (screen.columns == 0 || screen.rows == 0) return 0;
  if (too_small(screen)) return 1;
  const std::size_t per_page = screen.rows - HEADER_LINES;
  return row_count == 0 ? 1 : (row_count + per_page - 1) / per_page;
}

void layout_table_page(std::span<const ScreenRow> rows, std::string_view summary,
                       ScreenSize screen, std::size_t page, LineSink& out) {
  const std::size_t pages = table_page_count(rows.size(), screen);
  if (page >= pages) return;
  if (too_small(screen)) return emit_fallback(rows, screen, out);
  const std::size_t width = std::min(screen.columns, MAX_TABLE_COLUMNS);
  const Columns c = plan_columns(rows, width);

  Line header(width);
  keel::fmt::print(header, "keel kbench results, page {}/{} - {}", page + 1, pages, summary);
  out.line(header.text());
  Line headings(width);
  headings.left(NAME_HEADING, c.name + GAP);
  headings.left(FIGURE_HEADING, c.value + 1 + c.unit);
  if (c.iterations != 0) {
    headings.pad_to(c.name + GAP + c.value + 1 + c.unit + GAP);
    headings.right(c.iterations_heading, c.iterations);
  }
  out.line(headings.text());

  if (rows.empty()) {
    Line none(width);
    none.write("(no benchmark ran)");
    out.line(none.text());
    return;
  }
  const std::size_t per_page = screen.rows - HEADER_LINES;
  const std::size_t first = page * per_page;
  const std::size_t last = std::min(rows.size(), first + per_page);
  for (std::size_t i = first; i < last; ++i) emit_row(rows[i], c, width, out);
}

}  // namespace kernel::kbench
