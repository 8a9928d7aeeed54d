// Surviving a panic inside code a runner executes (the ktest and kbench runners).
//
// While the runner calls code that may panic, it points g_panic_recovery at its
// PanicRecovery; the panic path prints its report as usual, resets itself and calls
// resume() instead of halting. resume() must not return: it longjmps back into the
// runner. The runner restores the previous value afterwards (runners nest: a ktest may run
// the benchmark harness). Runners run on the boot CPU: a panic on another CPU (say, in a
// cross-CPU call a test made) cannot jump into the runner's stack, so it is final.
#pragma once

namespace kernel {

struct PanicRecovery {
  const char* runner;  // named in the report: "(panic caught by the <runner> runner)"
  void (*resume)();    // does not return
};

inline constinit const PanicRecovery* g_panic_recovery = nullptr;

}  // namespace kernel
