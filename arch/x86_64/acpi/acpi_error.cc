#include "arch/x86_64/acpi/acpi_error.h"

#include <string_view>

#include "lib/fmt/format.h"

namespace arch::acpi {

const char* error_name(AcpiError error) {
  switch (error) {
    case AcpiError::NoRsdp: return "NoRsdp";
    case AcpiError::RsdpUnreadable: return "RsdpUnreadable";
    case AcpiError::BadRsdpSignature: return "BadRsdpSignature";
    case AcpiError::BadRsdpChecksum: return "BadRsdpChecksum";
    case AcpiError::BadRsdpLength: return "BadRsdpLength";
    case AcpiError::BadRsdpExtendedChecksum: return "BadRsdpExtendedChecksum";
    case AcpiError::NoRootTable: return "NoRootTable";
    case AcpiError::TableUnreadable: return "TableUnreadable";
    case AcpiError::TableTooShort: return "TableTooShort";
    case AcpiError::TableTooLong: return "TableTooLong";
    case AcpiError::BadTableChecksum: return "BadTableChecksum";
    case AcpiError::WrongSignature: return "WrongSignature";
    case AcpiError::NoFadt: return "NoFadt";
    case AcpiError::NoDsdt: return "NoDsdt";
    case AcpiError::NoS5: return "NoS5";
    case AcpiError::BadS5Package: return "BadS5Package";
  }
  return "UnknownAcpiError";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const Signature& signature) {
  char text[4];
  for (int i = 0; i < 4; ++i) {
    const char c = signature.chars[i];
    text[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  keel::fmt::format_value(sink, spec, std::string_view(text, 4));
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const AcpiFailure& failure) {
  keel::fmt::format_value(sink, spec, error_name(failure.error));
  const bool has_signature = failure.signature != std::array<char, 4>{};
  if (!has_signature && failure.paddr == 0) return;
  sink.write(" (");
  if (has_signature) keel::fmt::print(sink, "{}", Signature{failure.signature});
  if (failure.paddr != 0) keel::fmt::print(sink, "{}at {:#x}", has_signature ? " " : "", failure.paddr);
  sink.write(")");
}

}  // namespace arch::acpi
