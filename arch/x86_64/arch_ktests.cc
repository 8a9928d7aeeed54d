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

namespace arch {

extern "C" const char keel_isr_stubs[];  // exception_entry.S: 256 stubs, 16 bytes apart

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A non-canonical address: any access raises #GP(0), never #PF.
// Non-canonical under 4-level (bits 63..47 differ) and 5-level (bits 63..56 differ) paging:
// 0x0000'8000'0000'0000 would be an ordinary unmapped address with LA57.
constexpr std::uint64_t NON_CANONICAL = 0x8000'0000'0000'0000;
// The guard gap after the linear map is never mapped. (Page 0 is no good: the boot page
// tables identity-map low memory until mm replaces them.)
constexpr std::uint64_t UNMAPPED = mm::layout::LINEAR_MAP_END;

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
  KEXPECT_FALSE(arch::try_read_u64(UNMAPPED, out));      // #PF
  KEXPECT_FALSE(arch::try_read_u64(NON_CANONICAL, out));  // #GP
}

KTEST_EXPECT_FAULT(unmapped_read_is_page_fault, arch::VECTOR_PAGE_FAULT) {
  ktest_ctx.expect_fault_address(UNMAPPED);
  (void)*reinterpret_cast<volatile std::uint64_t*>(UNMAPPED);
}

KTEST_EXPECT_FAULT(noncanonical_read_is_general_protection, arch::VECTOR_GENERAL_PROTECTION) {
  (void)*reinterpret_cast<volatile std::uint64_t*>(NON_CANONICAL);
}

KTEST_EXPECT_FAULT(ud2_is_invalid_opcode, arch::VECTOR_INVALID_OPCODE) { asm volatile("ud2"); }

// #BP where the hypervisor emulates kernel code. Some KVM hosts do not run guest CPL-0 code
// on the CPU: kvm_pvm in "native" mode (nested cloud VMs without VMX) runs every guest-kernel
// instruction through KVM's x86 instruction emulator, ~700 host cycles each. That emulator
// implements INT3 and INT n only in real mode (emulate_int() returns X86EMUL_UNHANDLEABLE in
// protected and long mode), so an int3 there is a KVM_EXIT_INTERNAL_ERROR ("KVM internal
// error. Suberror: 1 ... emulation failure" on QEMU's stderr) and QEMU pauses the guest: the
// run stops after the previous test, with no report, until its timeout. The IDT gate's type,
// DPL and IST make no difference (interrupt and trap gates, DPL 0 and 3 all stop the same
// way), and no instruction can probe for it safely (popcnt, which this emulator cannot
// decode either, also stops the VM). So the test times a loop: ~1-2 cycles per iteration on
// a CPU (bare metal, or KVM on VMX/SVM), ~1400 in that emulator. Only under KVM: TCG
// delivers int3 itself, and its TSC follows the host clock, so load would skew the timing.
bool kernel_code_is_emulated() {
  const arch::CpuFeatures& f = arch::detect_cpu_features();
  if (!f.hypervisor || std::string_view(f.hypervisor_vendor) != "KVMKVMKVM") return false;
  constexpr std::uint32_t ITERATIONS = 1000;
  constexpr std::uint64_t EMULATED_CYCLES_PER_ITERATION = 200;
  std::uint64_t best = ~std::uint64_t{0};
  for (int trial = 0; trial < 5; ++trial) {  // the best of five: a host interrupt inflates one
    std::uint32_t n = ITERATIONS;
    const std::uint64_t start = arch::rdtsc();
    asm volatile("1: decl %0; jnz 1b" : "+r"(n) : : "cc");
    const std::uint64_t cycles = arch::rdtsc() - start;
    if (cycles < best) best = cycles;
  }
  return best > ITERATIONS * EMULATED_CYCLES_PER_ITERATION;
}

// What the CPU does for int3 through an interrupt gate in 64-bit mode at CPL 0 with IST 0:
// align RSP down to 16, push SS, the old RSP, RFLAGS, CS and the address after the
// instruction (#BP is a trap), clear IF, jump to the gate's handler.
void deliver_int3_by_hand(std::uint64_t handler) {
  asm volatile(
      "movq %%rsp, %%rax\n\t"
      "andq $-16, %%rsp\n\t"
      "movl %%ss, %%ecx\n\t"
      "pushq %%rcx\n\t"
      "pushq %%rax\n\t"
      "pushfq\n\t"
      "cli\n\t"
      "movl %%cs, %%ecx\n\t"
      "pushq %%rcx\n\t"
      "leaq 1f(%%rip), %%rcx\n\t"
      "pushq %%rcx\n\t"
      "jmpq *%0\n"
      "1:"
      :
      : "r"(handler)
      : "rax", "rcx", "memory", "cc");
}

KTEST_EXPECT_FAULT(int3_is_breakpoint, arch::VECTOR_BREAKPOINT) {
  if (!kernel_code_is_emulated()) {
    asm volatile("int3");
    return;
  }
  // The CPU cannot raise #BP here, so check gate 3 and go through it by hand: the stub, the
  // frame without an error code, dispatch and recovery are what they are for a real int3.
  ktest_ctx.print_diagnostic(
      "kernel code runs in KVM's instruction emulator, which cannot execute int3 in long "
      "mode (it would stop the VM): delivering vector 3 through its IDT gate by hand");
  struct [[gnu::packed]] {
    std::uint16_t limit;
    std::uint64_t base;
  } idtr{};
  asm volatile("sidt %0" : "=m"(idtr));
  constexpr std::uint64_t GATE_SIZE = 16;
  KTEST_ASSERT_TRUE(idtr.limit >= GATE_SIZE * (arch::VECTOR_BREAKPOINT + 1) - 1);
  const auto* gate =
      reinterpret_cast<const std::uint8_t*>(idtr.base + GATE_SIZE * arch::VECTOR_BREAKPOINT);
  const auto word = [gate](int at) {
    return std::uint64_t{gate[at]} | std::uint64_t{gate[at + 1]} << 8;
  };
  const std::uint64_t handler = word(0) | word(6) << 16 | (word(8) | word(10) << 16) << 32;
  KEXPECT_EQ(handler, reinterpret_cast<std::uint64_t>(keel_isr_stubs) +
                          GATE_SIZE * arch::VECTOR_BREAKPOINT);  // stub size = gate size
  std::uint16_t cs = 0;
  asm volatile("movw %%cs, %0" : "=r"(cs));
  KEXPECT_EQ(word(2), std::uint64_t{cs});  // selector
  KEXPECT_EQ(gate[4] & 7, 0);              // IST 0: the current stack, as the CPU would use
  KEXPECT_EQ(gate[5], 0x8e);               // present, DPL 0, 64-bit interrupt gate
  deliver_int3_by_hand(handler);
}

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
  keel::fmt::BufferSink sink(text, sizeof(text));
  arch::print_exception_report(sink, frame);
  const std::string_view out = sink.view();
  KEXPECT_TRUE(contains(out, "#PF Page Fault (vector 14) in kernel mode"));
  KEXPECT_TRUE(contains(out, "not-present page, write, kernel mode"));
  KEXPECT_TRUE(contains(out, "CR2"));
  KEXPECT_TRUE(contains(out, "R15"));
  KEXPECT_TRUE(contains(out, "Backtrace:"));
  if (kernel::panic::kernel_symbol_table().count != 0) {
    KEXPECT_TRUE(contains(out, "<arch::print_exception_report("));
  }
}

KTEST(symbolize_finds_this_function) {
  if (kernel::panic::kernel_symbol_table().count == 0) {
    ktest_ctx.skip("no symbol table linked in");
    return;
  }
  const auto sym = kernel::panic::symbolize(reinterpret_cast<std::uint64_t>(&arch::detect_cpu_features) + 1);
  KTEST_ASSERT_TRUE(sym.has_value());
  KEXPECT_TRUE(contains(sym->name, "arch::detect_cpu_features"));
  KEXPECT_EQ(sym->offset, 1u);
}

}  // namespace

}  // namespace arch
