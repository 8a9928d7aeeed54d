// qr_render [--ecc L|M|Q|H] [--mask 0-7] [--min-version N] [--scale PX] [--chunk BYTES]
//           INPUT OUT_PREFIX
//
// Encodes INPUT's bytes as one QR code (OUT_PREFIX.pgm), or with --chunk as the numbered
// pieces of lib/qr/report_chunks.h (OUT_PREFIX-001.pgm, ...), with a four-module quiet
// zone. Prints one line per image: its path, version, level and mask.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/qr/qr.h"
#include "lib/qr/report_chunks.h"

namespace {

constexpr int QUIET_ZONE = 4;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "qr_render: %s\nusage: qr_render [--ecc L|M|Q|H] [--mask 0-7] "
               "[--min-version N] [--scale PX] [--chunk BYTES] INPUT OUT_PREFIX\n", why.c_str());
  std::exit(2);
}

bool write_pgm(const keel::qr::Code& code, int scale, const std::string& path) {
  const int side = (code.size() + 2 * QUIET_ZONE) * scale;
  std::ofstream out(path, std::ios::binary);
  out << "P5\n" << side << " " << side << "\n255\n";
  std::string row(static_cast<std::size_t>(side), '\0');
  for (int py = 0; py < side; ++py) {
    for (int px = 0; px < side; ++px) {
      const bool dark = code.dark(px / scale - QUIET_ZONE, py / scale - QUIET_ZONE);
      row[static_cast<std::size_t>(px)] = static_cast<char>(dark ? 0 : 255);
    }
    out.write(row.data(), side);
  }
  return static_cast<bool>(out);
}

bool emit(std::string_view payload, const keel::qr::Options& options, int scale, const std::string& path) {
  auto code = std::make_unique<keel::qr::Code>();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
  if (auto result = keel::qr::encode({bytes, payload.size()}, options, *code); !result) {
    std::fprintf(stderr, "qr_render: %s (%zu bytes): %s\n", path.c_str(), payload.size(),
                 keel::qr::error_name(result.error()));
    return false;
  }
  if (!write_pgm(*code, scale, path)) {
    std::fprintf(stderr, "qr_render: cannot write %s\n", path.c_str());
    return false;
  }
  std::printf("%s version=%d ecc=%c mask=%d\n", path.c_str(), code->version(),
              "LMQH"[static_cast<int>(code->ecc())], code->mask());
  return true;
}

int parse_int(const char* text, const char* flag) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0') usage(std::string(flag) + ": not a number: " + text);
  return static_cast<int>(value);
}

}  // namespace

int main(int argc, char** argv) {
  keel::qr::Options options;
  int scale = 4;
  long chunk = 0;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--ecc" && has_value) {
      const std::string_view level = argv[++i];
      const auto at = std::string_view("LMQH").find(level);
      if (level.size() != 1 || at == std::string_view::npos) usage("--ecc: expected L, M, Q or H");
      options.min_ecc = static_cast<keel::qr::Ecc>(at);
      options.boost_ecc = false;
    } else if (arg == "--mask" && has_value) {
      options.mask = parse_int(argv[++i], "--mask");
    } else if (arg == "--min-version" && has_value) {
      options.min_version = parse_int(argv[++i], "--min-version");
    } else if (arg == "--scale" && has_value) {
      scale = parse_int(argv[++i], "--scale");
      if (scale < 1 || scale > 64) usage("--scale: expected 1 to 64");
    } else if (arg == "--chunk" && has_value) {
      chunk = parse_int(argv[++i], "--chunk");
      if (chunk < 1) usage("--chunk: expected a positive byte count");
    } else if (arg.starts_with("--")) {
      usage("unknown option or missing value: " + std::string(arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 2) usage("expected INPUT and OUT_PREFIX");
  std::ifstream in(positional[0], std::ios::binary);
  if (!in) usage("cannot read " + positional[0]);
  const std::string payload{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string& prefix = positional[1];

  if (chunk == 0) return emit(payload, options, scale, prefix + ".pgm") ? 0 : 1;
  const auto slice = static_cast<std::size_t>(chunk);
  const std::uint32_t crc = keel::qr::crc32(payload);
  std::vector<char> piece(keel::qr::MAX_CHUNK_HEADER + slice);
  const std::size_t count = keel::qr::chunk_count(payload.size(), slice);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t length = keel::qr::chunk_text(payload, crc, i, slice, piece);
    char name[32];
    std::snprintf(name, sizeof name, "-%03zu.pgm", i + 1);
    if (!emit({piece.data(), length}, options, scale, prefix + name)) return 1;
  }
  return 0;
}
