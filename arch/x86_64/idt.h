// The kernel IDT: all 256 vectors wired to the stubs in exception_entry.S.
//
// Exceptions 0-31 and everything above go to x86_exception_dispatch (exceptions.cc).
// #DF, NMI and #MC run on their own IST stacks (gdt.h), so a kernel stack overflow still
// produces a report. All gates are interrupt gates (IF cleared on entry), DPL 0.
#pragma once

namespace arch {

// Fills and loads the IDT. Requires init_gdt_and_tss() first (gates use KERNEL_CS and
// IST slots).
void init_idt();
// Loads the IDT init_idt() filled on this CPU (application processors).
void load_idt();

}  // namespace arch
