#include "lib/qr/report_chunks.h"

namespace keel::qr {
namespace {

std::size_t put_decimal(std::span<char> out, std::size_t at, std::uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out[at++] = digits[--n];
  return at;
}

std::size_t put_text(std::span<char> out, std::size_t at, std::string_view text) {
  for (char c : text) out[at++] = c;
  return at;
}

}  // namespace

std::uint32_t crc32(std::string_view text) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char c : text) {
    crc ^= static_cast<std::uint8_t>(c);
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::size_t chunk_count(std::size_t report_length, std::size_t slice_bytes) {
  if (report_length == 0) return 1;
  return (report_length + slice_bytes - 1) / slice_bytes;
}

std::size_t chunk_text(std::string_view report, std::uint32_t report_crc, std::size_t index,
                       std::size_t slice_bytes, std::span<char> out) {
  if (out.size() < MAX_CHUNK_HEADER + slice_bytes) return 0;
  std::size_t at = put_text(out, 0, CHUNK_TAG);
  out[at++] = ' ';
  at = put_decimal(out, at, index + 1);
  out[at++] = '/';
  at = put_decimal(out, at, chunk_count(report.size(), slice_bytes));
  out[at++] = ' ';
  at = put_decimal(out, at, report.size());
  out[at++] = ' ';
  for (int shift = 28; shift >= 0; shift -= 4) out[at++] = "0123456789abcdef"[(report_crc >> shift) & 0xF];
  out[at++] = '\n';
  const std::size_t begin = index * slice_bytes;
  if (begin < report.size()) at = put_text(out, at, report.substr(begin, slice_bytes));
  return at;
}

}  // namespace keel::qr
