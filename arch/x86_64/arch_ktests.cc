// In-kernel tests of the arch layer: real faults through the real IDT, the fault probe,
// the jump buffer, the exception report and symbolization.
#define KTEST_SUITE "arch.x86_64"
#include <cstdint>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/fault_probe.h"
#include "arch/x86_64/jump.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/symbols.h"
#include "mm/layout.h"

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A non-canonical address: any access raises #GP(0), never #PF.
constexpr std::uint64_t kNonCanonical = 0x0000'8000'0000'0000;
// The guard gap after the linear map is never mapped. (Page 0 is no good: the boot page
// tables identity-map low memory until mm replaces them.)
constexpr std::uint64_t kUnmapped = mm::layout::LINEAR_MAP_END;

KTEST(cpu_features_are_sane) {
  const arch::CpuFeatures& f = arch::detect_cpu_features();
  KEXPECT_TRUE(f.long_mode);  // we are running in it
  KEXPECT_TRUE(f.pae);
  KEXPECT_NE(f.vendor[0], '\0');
  KEXPECT_GE(f.phys_addr_bits, 32);
  KEXPECT_GE(f.virt_addr_bits, 48);
  KEXPECT_EQ(&f, &arch::detect_cpu_features());  // cached
}

KTEST(setjmp_longjmp_round_trip) {
  arch::JumpBuffer buf;
  volatile int passes = 0;
  const int r = keel_setjmp(&buf);
  passes = passes + 1;
  if (r == 0) keel_longjmp(&buf, 7);
  KEXPECT_EQ(r, 7);
  KEXPECT_EQ(static_cast<int>(passes), 2);
}

KTEST(fault_probe_reads_mapped_memory) {
  static constinit std::uint64_t value = 0x1234'5678'9abc'def0;
  std::uint64_t out = 0;
  KEXPECT_TRUE(arch::try_read_u64(reinterpret_cast<std::uint64_t>(&value), out));
  KEXPECT_EQ(out, value);
}

KTEST(fault_probe_survives_unmapped_and_noncanonical) {
  std::uint64_t out = 0;
  KEXPECT_FALSE(arch::try_read_u64(kUnmapped, out));      // #PF
  KEXPECT_FALSE(arch::try_read_u64(kNonCanonical, out));  // #GP
}

KTEST_EXPECT_FAULT(unmapped_read_is_page_fault, arch::VECTOR_PAGE_FAULT) {
  (void)*reinterpret_cast<volatile std::uint64_t*>(kUnmapped);
}

KTEST_EXPECT_FAULT(noncanonical_read_is_general_protection, arch::VECTOR_GENERAL_PROTECTION) {
  (void)*reinterpret_cast<volatile std::uint64_t*>(kNonCanonical);
}

KTEST_EXPECT_FAULT(ud2_is_invalid_opcode, arch::VECTOR_INVALID_OPCODE) { asm volatile("ud2"); }

KTEST_EXPECT_FAULT(int3_is_breakpoint, arch::VECTOR_BREAKPOINT) { asm volatile("int3"); }

KTEST_EXPECT_FAULT(divide_by_zero_is_divide_error, arch::VECTOR_DIVIDE_ERROR) {
  asm volatile("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx; divl %%ecx"
               :
               :
               : "eax", "ecx", "edx");
}

KTEST(page_fault_report_is_decoded) {
  arch::TrapFrame frame{};
  frame.vector = arch::VECTOR_PAGE_FAULT;
  frame.error_code = arch::PF_WRITE;
  frame.rip = reinterpret_cast<std::uint64_t>(&arch::print_exception_report);
  frame.cs = 0x08;
  frame.ss = 0x10;
  static char text[4096];
  fmt::BufferSink sink(text, sizeof(text));
  arch::print_exception_report(sink, frame);
  const std::string_view out = sink.view();
  KEXPECT_TRUE(contains(out, "#PF Page Fault (vector 14) in kernel mode"));
  KEXPECT_TRUE(contains(out, "not-present page, write, kernel mode"));
  KEXPECT_TRUE(contains(out, "CR2"));
  KEXPECT_TRUE(contains(out, "R15"));
  KEXPECT_TRUE(contains(out, "Backtrace:"));
  if (keel::kernel_symbol_table().count != 0) {
    KEXPECT_TRUE(contains(out, "<arch::print_exception_report("));
  }
}

KTEST(symbolize_finds_this_function) {
  if (keel::kernel_symbol_table().count == 0) {
    ktest_ctx.skip("no symbol table linked in");
    return;
  }
  const auto sym = keel::symbolize(reinterpret_cast<std::uint64_t>(&arch::detect_cpu_features) + 1);
  KASSERT_TRUE(sym.has_value());
  KEXPECT_TRUE(contains(sym->name, "arch::detect_cpu_features"));
  KEXPECT_EQ(sym->offset, 1u);
}

}  // namespace
