#include <string_view>

#include "arch/x86_64/cpu.h"
#include "kernel/kbench/kbench.h"

namespace kernel::kbench {

std::uint64_t& Counters::operator[](const char* name) {
  const std::string_view wanted = name != nullptr ? name : "";
  for (std::size_t i = 0; i < count_; ++i) {
    if (wanted == names_[i]) return values_[i];
  }
  if (count_ == MAX_COUNTERS || name == nullptr) {
    overflowed_ = true;
    return scratch_;
  }
  names_[count_] = name;
  values_[count_] = 0;
  return values_[count_++];
}

void StartGate::arrive_and_wait() {
  arrive();
  while (arrived.load(std::memory_order_acquire) < expected) arch::pause();
}

std::uint64_t State::start_loop() {
  started_ = true;
  if (gate_ != nullptr) {
    gate_->arrive_and_wait();
    gate_ = nullptr;
  }
  if (skip_reason_ != nullptr || error_reason_ != nullptr) return 0;
  timing_ = true;
  timer_start_ = arch::rdtsc_ordered();
  return max_iterations_;
}

void State::finish_loop() {
  if (finished_) return;
  pause_timing();
  finished_ = true;
}

}  // namespace kernel::kbench
