// Naming and decoding x86-64 exceptions for crash reports. Portable (host-tested): no
// hardware access, only tables and bit decoding.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace arch {

inline constexpr std::uint8_t VECTOR_DIVIDE_ERROR = 0;
inline constexpr std::uint8_t VECTOR_DEBUG = 1;
inline constexpr std::uint8_t VECTOR_NMI = 2;
inline constexpr std::uint8_t VECTOR_BREAKPOINT = 3;
inline constexpr std::uint8_t VECTOR_OVERFLOW = 4;
inline constexpr std::uint8_t VECTOR_BOUND_RANGE = 5;
inline constexpr std::uint8_t VECTOR_INVALID_OPCODE = 6;
inline constexpr std::uint8_t VECTOR_DEVICE_NOT_AVAILABLE = 7;
inline constexpr std::uint8_t VECTOR_DOUBLE_FAULT = 8;
inline constexpr std::uint8_t VECTOR_INVALID_TSS = 10;
inline constexpr std::uint8_t VECTOR_SEGMENT_NOT_PRESENT = 11;
inline constexpr std::uint8_t VECTOR_STACK_FAULT = 12;
inline constexpr std::uint8_t VECTOR_GENERAL_PROTECTION = 13;
inline constexpr std::uint8_t VECTOR_PAGE_FAULT = 14;
inline constexpr std::uint8_t VECTOR_ALIGNMENT_CHECK = 17;
inline constexpr std::uint8_t VECTOR_MACHINE_CHECK = 18;
inline constexpr std::uint8_t VECTOR_SIMD = 19;
inline constexpr std::uint8_t NUM_EXCEPTION_VECTORS = 32;

// "#PF" (vectors 0..31; "IRQ" above, "#??" for reserved ones).
const char* exception_mnemonic(std::uint64_t vector);
// "Page Fault" ("Reserved" for reserved vectors, "Interrupt" above 31).
const char* exception_name(std::uint64_t vector);
// Whether the CPU pushes an error code for this vector (8, 10-14, 17, 21, 29, 30).
bool exception_has_error_code(std::uint64_t vector);
// Whether the error code is a segment-selector error (#TS, #NP, #SS, #GP).
bool exception_has_selector_error(std::uint64_t vector);

// Page-fault error code bits.
inline constexpr std::uint64_t PF_PRESENT = 1u << 0;  // protection violation (else not-present)
inline constexpr std::uint64_t PF_WRITE = 1u << 1;
inline constexpr std::uint64_t PF_USER = 1u << 2;
inline constexpr std::uint64_t PF_RESERVED = 1u << 3;  // reserved bit set in a paging entry
inline constexpr std::uint64_t PF_INSTRUCTION = 1u << 4;
inline constexpr std::uint64_t PF_PROTECTION_KEY = 1u << 5;
inline constexpr std::uint64_t PF_SHADOW_STACK = 1u << 6;
inline constexpr std::uint64_t PF_SGX = 1u << 15;

// "protection violation, write, kernel mode" / "not-present page, instruction fetch, ...".
void format_page_fault_error(keel::fmt::Sink& sink, std::uint64_t error_code);
// "selector 0x28 (GDT index 5)", "IDT vector 13", "LDT index 2"; ", external event" when
// EXT is set; "0 (not selector-related)" for a zero code.
void format_selector_error(keel::fmt::Sink& sink, std::uint64_t error_code);
// "[IF ZF]": the names of the set arithmetic/control flags, plus "IOPL=n" when non-zero.
void format_rflags(keel::fmt::Sink& sink, std::uint64_t rflags);

}  // namespace arch
