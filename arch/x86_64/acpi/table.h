// Reading and validating ACPI system description tables from physical memory.
//
// Portable: physical memory is reached only through a PhysReader, so host tests run the
// same code over synthetic tables. Every table is length- and checksum-checked before any
// field is used, and every field read is bounds-checked against the table's own length:
// a garbled table is an AcpiFailure, never a read past the bytes the reader handed out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "arch/x86_64/acpi/acpi_error.h"

namespace arch::acpi {

// The bytes at [paddr, paddr + size), or a shorter prefix (possibly empty) when only part
// of the range is readable. Same contract as boot::PhysReader.
using PhysReader = std::span<const std::byte> (*)(std::uint64_t paddr, std::uint64_t size);

inline constexpr std::size_t TABLE_HEADER_SIZE = 36;
// Real tables are at most a few hundred KiB (big DSDTs); anything longer is garbage.
inline constexpr std::uint32_t MAX_TABLE_LENGTH = 4u << 20;

// A validated table: `bytes` is the whole table (header included), exactly `length` long.
struct Table {
  std::array<char, 4> signature{};
  std::uint64_t paddr = 0;
  std::span<const std::byte> bytes;
  std::uint8_t revision = 0;
  std::array<char, 6> oem_id{};

  bool is(std::string_view sig) const {
    return sig.size() == 4 && std::memcmp(signature.data(), sig.data(), 4) == 0;
  }
  // The table's contents after the 36-byte header (AML for the DSDT/SSDTs).
  std::span<const std::byte> body() const { return bytes.subspan(TABLE_HEADER_SIZE); }
};

// True if the bytes sum to 0 modulo 256 (ACPI's checksum rule).
bool checksum_ok(std::span<const std::byte> bytes);

// Reads, length-checks and checksums the table at `paddr`. `expected` ("FACP", ...) must
// match unless empty.
[[nodiscard]] std::expected<Table, AcpiFailure> read_table(PhysReader read, std::uint64_t paddr,
                                             std::string_view expected = {});

std::array<char, 4> signature_of(std::string_view sig);

// A T copied from `bytes` at `offset`, or nullopt if it does not fit.
template <typename T>
  requires std::is_trivially_copyable_v<T>
std::optional<T> read_field(std::span<const std::byte> bytes, std::size_t offset) {
  if (offset > bytes.size() || sizeof(T) > bytes.size() - offset) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace arch::acpi
