#include "arch/x86_64/acpi/s5_scan.h"

#include <optional>

namespace arch::acpi {
namespace {

constexpr std::uint8_t NAME_OP = 0x08;
constexpr std::uint8_t ROOT_CHAR = '\\';
constexpr std::uint8_t PACKAGE_OP = 0x12;
constexpr std::uint8_t ZERO_OP = 0x00;
constexpr std::uint8_t ONE_OP = 0x01;
constexpr std::uint8_t BYTE_PREFIX = 0x0a;
constexpr std::uint8_t WORD_PREFIX = 0x0b;
constexpr std::uint8_t DWORD_PREFIX = 0x0c;
constexpr std::uint8_t MAX_SLEEP_TYPE = 7;  // SLP_TYP is a 3-bit field

// A bounds-checked cursor over AML bytes.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, std::size_t position) : bytes_(bytes), pos_(position) {}
  std::optional<std::uint8_t> next() {
    if (pos_ >= bytes_.size()) return std::nullopt;
    return std::to_integer<std::uint8_t>(bytes_[pos_++]);
  }
  std::size_t position() const { return pos_; }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_;
};

// PkgLength: the lead byte's bits 7:6 count the bytes that follow (0..3). Returns the
// encoded length (which counts the PkgLength bytes themselves).
std::optional<std::uint32_t> read_pkg_length(Cursor& c) {
  const auto lead = c.next();
  if (!lead) return std::nullopt;
  const unsigned follow = *lead >> 6;
  if (follow == 0) return *lead & 0x3fu;
  std::uint32_t length = *lead & 0x0fu;
  for (unsigned i = 0; i < follow; ++i) {
    const auto b = c.next();
    if (!b) return std::nullopt;
    length |= std::uint32_t{*b} << (4 + 8 * i);
  }
  return length;
}

// One package element as an integer, for the encodings firmware uses for sleep types.
std::optional<std::uint32_t> read_integer(Cursor& c) {
  const auto op = c.next();
  if (!op) return std::nullopt;
  unsigned bytes = 0;
  switch (*op) {
    case ZERO_OP: return 0;
    case ONE_OP: return 1;
    case BYTE_PREFIX: bytes = 1; break;
    case WORD_PREFIX: bytes = 2; break;
    case DWORD_PREFIX: bytes = 4; break;
    default: return std::nullopt;
  }
  std::uint32_t value = 0;
  for (unsigned i = 0; i < bytes; ++i) {
    const auto b = c.next();
    if (!b) return std::nullopt;
    value |= std::uint32_t{*b} << (8 * i);
  }
  return value;
}

[[nodiscard]] std::expected<SleepType, AcpiError> decode_package(std::span<const std::byte> aml,
                                                   std::size_t after_name) {
  Cursor c(aml, after_name);
  if (c.next() != PACKAGE_OP) return std::unexpected(AcpiError::BadS5Package);
  const std::size_t length_start = c.position();
  const auto pkg_length = read_pkg_length(c);
  // The package must lie inside the table.
  if (!pkg_length || *pkg_length > aml.size() - length_start) {
    return std::unexpected(AcpiError::BadS5Package);
  }
  const auto elements = c.next();
  if (!elements || *elements == 0) return std::unexpected(AcpiError::BadS5Package);
  const auto a = read_integer(c);
  if (!a || *a > MAX_SLEEP_TYPE) return std::unexpected(AcpiError::BadS5Package);
  SleepType type{static_cast<std::uint8_t>(*a), 0};
  if (*elements >= 2) {
    const auto b = read_integer(c);
    if (!b || *b > MAX_SLEEP_TYPE) return std::unexpected(AcpiError::BadS5Package);
    type.b = static_cast<std::uint8_t>(*b);
  }
  if (c.position() - length_start > *pkg_length) return std::unexpected(AcpiError::BadS5Package);
  return type;
}

bool name_at(std::span<const std::byte> aml, std::size_t i) {
  constexpr char NAME[4] = {'_', 'S', '5', '_'};
  for (std::size_t k = 0; k < 4; ++k) {
    if (std::to_integer<char>(aml[i + k]) != NAME[k]) return false;
  }
  return true;
}

std::uint8_t byte_at(std::span<const std::byte> aml, std::size_t i) {
  return std::to_integer<std::uint8_t>(aml[i]);
}

}  // namespace

[[nodiscard]] std::expected<SleepType, AcpiError> find_s5_sleep_type(std::span<const std::byte> aml) {
  for (std::size_t i = 1; i + 4 <= aml.size(); ++i) {
    if (!name_at(aml, i)) continue;
    // "_S5_" as a reference elsewhere (not a NameOp definition) is skipped.
    const bool named = byte_at(aml, i - 1) == NAME_OP ||
                       (i >= 2 && byte_at(aml, i - 1) == ROOT_CHAR && byte_at(aml, i - 2) == NAME_OP);
    if (!named) continue;
    return decode_package(aml, i + 4);
  }
  return std::unexpected(AcpiError::NoS5);
}

}  // namespace arch::acpi
