// Splitting a text report (kbench's JSON) into numbered pieces, one per QR code, that can
// be scanned in any order and put back together: every piece starts with the line
//
//   keel-bench <index>/<count> <report length> <crc32 of the whole report, 8 hex digits>
//
// (index from 1) followed by its slice of the report. The length and CRC let the
// reassembler (tools/kx/bench_qr.py) refuse pieces of different reports and a report
// with a piece missing. Freestanding; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace keel::qr {

inline constexpr std::string_view CHUNK_TAG = "keel-bench";
// The longest header line: tag, two 10-digit numbers, a 20-digit length, the CRC, "\n".
inline constexpr std::size_t MAX_CHUNK_HEADER = 10 + 1 + 10 + 1 + 10 + 1 + 20 + 1 + 8 + 1;

// CRC-32 (IEEE 802.3, the one zlib computes) of `text`.
std::uint32_t crc32(std::string_view text);

// Pieces a report of `report_length` bytes needs at `slice_bytes` bytes of report per
// piece (at least one, even for an empty report). `slice_bytes` > 0.
std::size_t chunk_count(std::size_t report_length, std::size_t slice_bytes);

// Writes piece `index` (0-based, < chunk_count) into `out` and returns its length, or 0
// when `out` is shorter than MAX_CHUNK_HEADER + slice_bytes.
std::size_t chunk_text(std::string_view report, std::uint32_t report_crc, std::size_t index,
                       std::size_t slice_bytes, std::span<char> out);

}  // namespace keel::qr
