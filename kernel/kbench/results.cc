#include "kernel/kbench/results.h"

#include <cstring>

#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {
namespace {

void copy_truncated(char* out, std::size_t capacity, std::string_view text) {
  const std::size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

constexpr std::uint64_t PICOS_PER_SECOND = 1'000'000'000'000;
constexpr std::uint64_t NOMINAL_HZ = 1'000'000'000;  // uncalibrated: 1 cycle = 1 ns

}  // namespace

std::string_view InstanceResult::name_view() const { return name; }
std::string_view InstanceResult::message_view() const { return message; }
void InstanceResult::set_message(std::string_view text) {
  copy_truncated(message, sizeof(message), text);
}

InstanceResult* ResultStore::add_instance(std::string_view name, std::uint32_t family_index,
                                          std::uint32_t per_family_instance_index,
                                          std::uint32_t repetitions) {
  if (instance_count_ == instances_.size()) {
    ++dropped_instances_;
    return nullptr;
  }
  InstanceResult& result = instances_[instance_count_++];
  result = InstanceResult{};
  copy_truncated(result.name, sizeof(result.name), name);
  result.family_index = family_index;
  result.per_family_instance_index = per_family_instance_index;
  result.repetitions = repetitions;
  result.first_repetition = static_cast<std::uint32_t>(repetition_count_);
  return &result;
}

bool ResultStore::add_repetition(InstanceResult& instance, const Repetition& repetition) {
  // Repetitions of one instance must be contiguous: only the newest instance may grow.
  const bool newest = instance_count_ != 0 && &instance == &instances_[instance_count_ - 1];
  if (!newest || repetition_count_ == repetitions_.size()) {
    ++dropped_repetitions_;
    return false;
  }
  repetitions_[repetition_count_++] = repetition;
  ++instance.repetition_count;
  return true;
}

Figures figures_of(const Repetition& r, std::uint64_t tsc_hz) {
  const std::uint64_t hz = tsc_hz != 0 ? tsc_hz : NOMINAL_HZ;
  const std::uint64_t iterations = r.iterations != 0 ? r.iterations : 1;
  const std::uint64_t total_ps = mul_div(r.cycles, PICOS_PER_SECOND, hz);
  const std::uint64_t items_x1000 = r.items > ~std::uint64_t{0} / 1000 ? ~std::uint64_t{0}
                                                                      : r.items * 1000;
  return Figures{
      .time_ps_per_op = total_ps / iterations,
      .millicycles_per_op = mul_div(r.cycles, 1000, iterations),
      .milli_items_per_second = r.cycles != 0 ? mul_div(items_x1000, hz, r.cycles) : 0,
  };
}

}  // namespace kernel::kbench
