// libFuzzer over the page-table model driver: byte 0 picks 4/5 levels and 1 GiB pages, the
// rest are operations (see testing/pt_model.h); any disagreement with the model aborts.
#include <cstddef>
#include <cstdint>

#include "mm/page_table/testing/pt_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 8 * 1024) return -1;
  mm::page_table::testing::run_pt_model_on_bytes(
      {data + 1, size - 1},
      {.levels = static_cast<mm::PagingLevel>((data[0] & 1) != 0 ? 5 : 4),
       .supports_1g_pages = (data[0] & 2) == 0});
  return 0;
}
