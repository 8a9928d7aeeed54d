// Thin wrappers over single x86-64 instructions: port I/O, CPUID, MSRs, control registers,
// TLB and interrupt-flag control. Everything is inline and has no state.
#pragma once

#include <cstdint>

namespace arch {

// ---- Port I/O ----
inline void outb(std::uint16_t port, std::uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
inline void outw(std::uint16_t port, std::uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
inline void outl(std::uint16_t port, std::uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory"); }
inline std::uint8_t inb(std::uint16_t port) {
  std::uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
inline std::uint16_t inw(std::uint16_t port) {
  std::uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
inline std::uint32_t inl(std::uint16_t port) {
  std::uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
// A ~1 µs delay for slow legacy devices (8259 PIC): a write to the unused POST port 0x80.
inline void io_wait() { outb(0x80, 0); }

// ---- CPUID ----
struct CpuidResult {
  std::uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(std::uint32_t leaf, std::uint32_t subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

// ---- MSRs ----
inline std::uint64_t rdmsr(std::uint32_t msr) {
  std::uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (std::uint64_t{hi} << 32) | lo;
}
inline void wrmsr(std::uint32_t msr, std::uint64_t v) {
  asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<std::uint32_t>(v)),
               "d"(static_cast<std::uint32_t>(v >> 32))
               : "memory");
}

// ---- Control registers ----
// The "memory" clobbers keep the compiler from moving memory accesses across a paging or
// protection change.
inline std::uint64_t read_cr0() {
  std::uint64_t v;
  asm volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
inline std::uint64_t read_cr2() {
  std::uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline std::uint64_t read_cr3() {
  std::uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v) : : "memory");
  return v;
}
inline std::uint64_t read_cr4() {
  std::uint64_t v;
  asm volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
inline void write_cr3(std::uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void write_cr4(std::uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

inline constexpr std::uint64_t CR0_WP = 1ull << 16;
inline constexpr std::uint64_t CR0_PG = 1ull << 31;
inline constexpr std::uint64_t CR4_PAE = 1ull << 5;
inline constexpr std::uint64_t CR4_PGE = 1ull << 7;
inline constexpr std::uint64_t CR4_LA57 = 1ull << 12;
inline constexpr std::uint64_t CR4_PCIDE = 1ull << 17;
inline constexpr std::uint64_t RFLAGS_IF = 1ull << 9;

inline void invlpg(std::uint64_t va) {
  asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

// ---- Interrupts and execution control ----
inline void hlt() { asm volatile("hlt" : : : "memory"); }
inline void cli() { asm volatile("cli" : : : "memory"); }
inline void sti() { asm volatile("sti" : : : "memory"); }
inline std::uint64_t read_rflags() {
  std::uint64_t v;
  asm volatile("pushfq; popq %0" : "=r"(v) : : "memory");
  return v;
}
inline std::uint64_t rdtsc() {
  std::uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (std::uint64_t{hi} << 32) | lo;
}
inline void pause() { asm volatile("pause" : : : "memory"); }

// Stops this CPU for good. NMIs can still wake HLT, hence the loop.
[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt" : : : "memory");
}

}  // namespace arch
