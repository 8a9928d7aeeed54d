#include "mm/memmap/frame_usage.h"

#include "lib/contract/contract.h"
#include "lib/fmt/format.h"

namespace mm::memmap {

std::string_view frame_usage_name(FrameUsage usage) {
  switch (usage) {
    case FrameUsage::KernelImage: return "KernelImage";
    case FrameUsage::BootInfo: return "BootInfo";
    case FrameUsage::Module: return "Module";
    case FrameUsage::Cmdline: return "Cmdline";
    case FrameUsage::Framebuffer: return "Framebuffer";
    case FrameUsage::LowMemory: return "LowMemory";
    case FrameUsage::EarlyPageTable: return "EarlyPageTable";
    case FrameUsage::MetaRegion: return "MetaRegion";
    case FrameUsage::EarlyAlloc: return "EarlyAlloc";
    case FrameUsage::FirmwareReserved: return "FirmwareReserved";
    case FrameUsage::AcpiReclaimable: return "AcpiReclaimable";
    case FrameUsage::AcpiNvs: return "AcpiNvs";
    case FrameUsage::Unusable: return "Unusable";
    case FrameUsage::Persistent: return "Persistent";
    case FrameUsage::Hole: return "Hole";
  }
  return "invalid";
}

FrameUsage frame_usage_for(RegionType type) {
  switch (type) {
    case RegionType::AcpiReclaimable: return FrameUsage::AcpiReclaimable;
    case RegionType::Persistent: return FrameUsage::Persistent;
    case RegionType::AcpiNvs: return FrameUsage::AcpiNvs;
    case RegionType::Unusable: return FrameUsage::Unusable;
    case RegionType::Reserved: return FrameUsage::FirmwareReserved;
    case RegionType::Usable: break;
  }
  KREQUIRES(type != RegionType::Usable);
  return FrameUsage::FirmwareReserved;
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, FrameUsage usage) {
  keel::fmt::write_padded(sink, spec, frame_usage_name(usage), false);
}

}  // namespace mm::memmap
