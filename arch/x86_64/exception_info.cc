#include "arch/x86_64/exception_info.h"

namespace arch {
namespace {

struct ExceptionDesc {
  const char* mnemonic;
  const char* name;
};

constexpr ExceptionDesc EXCEPTIONS[NUM_EXCEPTION_VECTORS] = {
    {"#DE", "Divide Error"},
    {"#DB", "Debug"},
    {"NMI", "Non-Maskable Interrupt"},
    {"#BP", "Breakpoint"},
    {"#OF", "Overflow"},
    {"#BR", "Bound Range Exceeded"},
    {"#UD", "Invalid Opcode"},
    {"#NM", "Device Not Available"},
    {"#DF", "Double Fault"},
    {"#CSO", "Coprocessor Segment Overrun"},
    {"#TS", "Invalid TSS"},
    {"#NP", "Segment Not Present"},
    {"#SS", "Stack-Segment Fault"},
    {"#GP", "General Protection"},
    {"#PF", "Page Fault"},
    {"#??", "Reserved"},
    {"#MF", "x87 Floating-Point Error"},
    {"#AC", "Alignment Check"},
    {"#MC", "Machine Check"},
    {"#XM", "SIMD Floating-Point Exception"},
    {"#VE", "Virtualization Exception"},
    {"#CP", "Control Protection"},
    {"#??", "Reserved"},
    {"#??", "Reserved"},
    {"#??", "Reserved"},
    {"#??", "Reserved"},
    {"#??", "Reserved"},
    {"#??", "Reserved"},
    {"#HV", "Hypervisor Injection"},
    {"#VC", "VMM Communication"},
    {"#SX", "Security Exception"},
    {"#??", "Reserved"},
};

// Writes ", " between the parts of a decoded list.
class ListWriter {
 public:
  explicit ListWriter(keel::fmt::Sink& sink) : sink_(sink) {}
  void add(std::string_view item) {
    if (!first_) sink_.write(", ");
    sink_.write(item);
    first_ = false;
  }

 private:
  keel::fmt::Sink& sink_;
  bool first_ = true;
};

}  // namespace

const char* exception_mnemonic(std::uint64_t vector) {
  return vector < NUM_EXCEPTION_VECTORS ? EXCEPTIONS[vector].mnemonic : "IRQ";
}

const char* exception_name(std::uint64_t vector) {
  return vector < NUM_EXCEPTION_VECTORS ? EXCEPTIONS[vector].name : "Interrupt";
}

bool exception_has_error_code(std::uint64_t vector) {
  switch (vector) {
    case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21: case 29: case 30:
      return true;
    default:
      return false;
  }
}

bool exception_has_selector_error(std::uint64_t vector) {
  return vector == 10 || vector == 11 || vector == 12 || vector == 13;
}

void format_page_fault_error(keel::fmt::Sink& sink, std::uint64_t e) {
  ListWriter list(sink);
  list.add((e & PF_PRESENT) != 0 ? "protection violation" : "not-present page");
  list.add((e & PF_INSTRUCTION) != 0 ? "instruction fetch"
           : (e & PF_WRITE) != 0     ? "write"
                                     : "read");
  list.add((e & PF_USER) != 0 ? "user mode" : "kernel mode");
  if ((e & PF_RESERVED) != 0) list.add("reserved bit set in a paging entry");
  if ((e & PF_PROTECTION_KEY) != 0) list.add("protection key");
  if ((e & PF_SHADOW_STACK) != 0) list.add("shadow stack");
  if ((e & PF_SGX) != 0) list.add("SGX");
}

void format_selector_error(keel::fmt::Sink& sink, std::uint64_t e) {
  if (e == 0) {
    sink.write("0 (not selector-related)");
    return;
  }
  const std::uint64_t index = (e >> 3) & 0x1fff;
  if ((e & 2) != 0) {
    keel::fmt::print(sink, "IDT vector {}", index);
  } else {
    keel::fmt::print(sink, "selector {:#x} ({} index {})", e & 0xfff8, (e & 4) != 0 ? "LDT" : "GDT",
               index);
  }
  if ((e & 1) != 0) sink.write(", external event");
}

void format_rflags(keel::fmt::Sink& sink, std::uint64_t f) {
  struct Flag {
    unsigned bit;
    const char* name;
  };
  static constexpr Flag FLAGS[] = {{0, "CF"},  {2, "PF"},  {4, "AF"},  {6, "ZF"},
                                    {7, "SF"},  {8, "TF"},  {9, "IF"},  {10, "DF"},
                                    {11, "OF"}, {14, "NT"}, {16, "RF"}, {17, "VM"},
                                    {18, "AC"}, {19, "VIF"}, {20, "VIP"}, {21, "ID"}};
  sink.write("[");
  bool first = true;
  for (const Flag& flag : FLAGS) {
    if (((f >> flag.bit) & 1) == 0) continue;
    if (!first) sink.write(" ");
    sink.write(flag.name);
    first = false;
  }
  const std::uint64_t iopl = (f >> 12) & 3;
  if (iopl != 0) keel::fmt::print(sink, "{}IOPL={}", first ? "" : " ", iopl);
  sink.write("]");
}

}  // namespace arch
