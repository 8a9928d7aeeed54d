#include "kernel/kbench/screen_report.h"

#include <cstddef>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "kernel/console.h"
#include "kernel/kbench/kept_table.h"
#include "lib/qr/qr.h"
#include "lib/qr/report_chunks.h"
#include "lib/contract/contract.h"

namespace kernel::kbench {
namespace {

// A full run's report is ~100 KiB (42 benchmarks x 5 repetitions + aggregates).
constexpr std::size_t REPORT_CAPACITY = 512 * 1024;
constexpr keel::qr::Ecc LEVEL = keel::qr::Ecc::M;  // survives a little glare and moiré on a photo
constexpr std::uint32_t QUIET_MODULES = 4;
constexpr std::uint32_t HEADER_PIXELS = 3 * 16;  // two text rows and a gap

constinit char g_report[REPORT_CAPACITY];
constinit std::size_t g_report_length = 0;
constinit std::uint64_t g_tsc_hz = 0;
constinit keel::qr::Code g_code;
constinit char g_piece[keel::qr::MAX_CHUNK_HEADER + 2953];

struct Layout {
  int version = 0;          // every code's largest version
  std::uint32_t scale = 0;  // pixels per module
  std::uint32_t tile = 0;   // pixels per code with its quiet zone
  std::uint32_t per_row = 0, per_page = 0;
  std::size_t slice = 0;    // report bytes per code
  std::size_t codes = 0, pages = 0;
};

// The largest modules that still leave codes of a useful size: 4 px, else 3, else 2 (a
// phone reads 2 px modules off a sharp panel; below that the pixels blur together).
Layout plan(std::uint32_t width, std::uint32_t height) {
  Layout layout;
  if (g_report_length == 0 || height <= HEADER_PIXELS) return layout;  // table alone
  const std::uint32_t area = height - HEADER_PIXELS < width ? height - HEADER_PIXELS : width;
  for (std::uint32_t scale : {4u, 3u, 2u}) {
    const std::uint32_t modules = area / scale;
    if (modules < 2 * QUIET_MODULES + 21) continue;
    int version = static_cast<int>((modules - 2 * QUIET_MODULES - 17) / 4);
    if (version > keel::qr::MAX_VERSION) version = keel::qr::MAX_VERSION;
    if (version < 10 && scale != 2) continue;
    layout.version = version;
    layout.scale = scale;
    break;
  }
  if (layout.version == 0) return layout;
  const int capacity = keel::qr::byte_capacity(layout.version, LEVEL);
  if (capacity <= static_cast<int>(keel::qr::MAX_CHUNK_HEADER)) return Layout{};
  layout.slice = static_cast<std::size_t>(capacity) - keel::qr::MAX_CHUNK_HEADER;
  layout.tile = (static_cast<std::uint32_t>(keel::qr::size_of_version(layout.version)) +
                 2 * QUIET_MODULES) * layout.scale;
  layout.per_row = width / layout.tile;
  layout.per_page = layout.per_row * ((height - HEADER_PIXELS) / layout.tile);
  layout.codes = keel::qr::chunk_count(g_report_length, layout.slice);
  layout.pages = (layout.codes + layout.per_page - 1) / layout.per_page;
  return layout;
}

struct PageDraw {
  const Layout* layout;
  std::size_t page;
  std::uint32_t crc;
};

void draw_page(kernel::fbcon::FramebufferConsole& screen, void* context) {
  const auto& [layout, page, crc] = *static_cast<PageDraw*>(context);
  screen.clear();
  const std::size_t first = page * layout->per_page;
  std::size_t last = first + layout->per_page;
  if (last > layout->codes) last = layout->codes;
  keel::fmt::print(screen, "kbench report ({} bytes, crc {:08x}): QR codes {}-{} of {}, page {}/{}. "
             "Scan every code, then: ./kx bench --from-qr FILES\n",
             g_report_length, crc, first + 1, last, layout->codes, page + 1, layout->pages);
  const std::string_view report(g_report, g_report_length);
  for (std::size_t i = first; i < last; ++i) {
    const std::size_t length = keel::qr::chunk_text(report, crc, i, layout->slice, g_piece);
    KASSERT(length != 0);
    const keel::qr::Options options{.min_ecc = LEVEL, .max_version = layout->version,
                              .boost_ecc = false};
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(g_piece);
    if (auto encoded = keel::qr::encode({bytes, length}, options, g_code); !encoded) {
      keel::fmt::print(screen, "code {}: {}\n", i + 1, keel::qr::error_name(encoded.error()));
      continue;
    }
    const std::size_t slot = i - first;
    const std::uint32_t x0 = static_cast<std::uint32_t>(slot % layout->per_row) * layout->tile;
    const std::uint32_t y0 =
        HEADER_PIXELS + static_cast<std::uint32_t>(slot / layout->per_row) * layout->tile;
    const std::uint32_t side =
        (static_cast<std::uint32_t>(g_code.size()) + 2 * QUIET_MODULES) * layout->scale;
    screen.fill_rect(x0, y0, side, side, true);
    for (int y = 0; y < g_code.size(); ++y) {
      for (int x = 0; x < g_code.size(); ++x) {
        if (!g_code.dark(x, y)) continue;
        screen.fill_rect(x0 + (QUIET_MODULES + static_cast<std::uint32_t>(x)) * layout->scale,
                         y0 + (QUIET_MODULES + static_cast<std::uint32_t>(y)) * layout->scale,
                         layout->scale, layout->scale, false);
      }
    }
  }
}

struct Geometry {
  std::uint32_t width = 0, height = 0;
  std::size_t table_pages = 0;
};

void read_geometry(kernel::fbcon::FramebufferConsole& screen, void* context) {
  auto& geometry = *static_cast<Geometry*>(context);
  geometry = {screen.pixel_width(), screen.pixel_height(), kept_table_pages(screen)};
}

void draw_table_page(kernel::fbcon::FramebufferConsole& screen, void* context) {
  draw_kept_table_page(screen, *static_cast<const std::size_t*>(context));
}

Geometry screen_geometry() {
  Geometry geometry;
  kernel::with_framebuffer_console(read_geometry, &geometry);
  return geometry;
}

void wait_seconds(std::uint64_t seconds) {
  // Unknown TSC rate: assume 1 GHz, so a page stays up at least as long as meant on any
  // CPU keel runs on (a few seconds more on a fast one).
  const std::uint64_t hz = g_tsc_hz != 0 ? g_tsc_hz : 1'000'000'000;
  const std::uint64_t start = arch::rdtsc_ordered();
  while (arch::rdtsc_ordered() - start < seconds * hz) arch::pause();
}

}  // namespace

bool keep_report_for_screen(const ReportContext& context, const ResultStore& store,
                            std::uint64_t tsc_hz) {
  g_tsc_hz = tsc_hz;
  if (const std::size_t left_out = keep_table(context, store, tsc_hz); left_out != 0) {
    kernel::console_print("kbench: the screen's table leaves out the last {} result(s)\n", left_out);
  }
  keel::fmt::BufferSink copy(g_report, REPORT_CAPACITY);
  const bool ok = write_json_report(copy, context, store);
  if (!ok || copy.truncated()) {
    kernel::console_print("kbench: the JSON report {} for the screen's QR codes\n",
                   ok ? "is larger than the 512 KiB kept" : "is malformed");
    g_report_length = 0;
    return false;
  }
  g_report_length = copy.view().size();
  return true;
}

bool screen_report_ready() {
  const Geometry geometry = screen_geometry();
  return geometry.table_pages != 0 || plan(geometry.width, geometry.height).codes != 0;
}

// The table's pages first (what a person reads), then the QR codes (for the machine).
void show_report_forever() {
  KREQUIRES(screen_report_ready());
  const Geometry geometry = screen_geometry();
  const Layout layout = plan(geometry.width, geometry.height);
  const std::uint32_t crc = keel::qr::crc32({g_report, g_report_length});
  kernel::console_print("kbench: showing the results table on {} page(s)\n", geometry.table_pages);
  if (layout.codes != 0) {
    kernel::console_print("kbench: showing the JSON report as {} QR code(s) (version <= {}, {} px "
                   "modules) on {} page(s)\n",
                   layout.codes, layout.version, layout.scale, layout.pages);
  }
  const std::size_t pages = geometry.table_pages + layout.pages;
  for (std::size_t page = 0;; page = (page + 1) % pages) {
    if (page < geometry.table_pages) {
      kernel::with_framebuffer_console(draw_table_page, &page);
    } else {
      PageDraw draw{&layout, page - geometry.table_pages, crc};
      kernel::with_framebuffer_console(draw_page, &draw);
    }
    if (pages == 1) arch::halt_forever();
    wait_seconds(PAGE_SECONDS);
  }
}

}  // namespace kernel::kbench
