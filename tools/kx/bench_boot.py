"""`kx bench --boot`: what a boot costs, as one report. PVH boots at 128 MiB and 1 GiB, each
`quiet` (the log held in memory until `ready`, kernel/console.h) with only the boot_phase
benchmarks, whose per-phase figures (cumulative from the PVH entry to `ready`) become
`boot/<memory>/<phase>`; then a boot that only powers off, whose host-side QEMU wall time
(start of the QEMU process to its exit) becomes `boot/<memory>/qemu_to_poweroff`. Under
icount the phase figures are guest instructions, exactly repeatable, and the wall times
(which are not) go to the report's context and the console instead of its records; under
KVM the phases are TSC time."""

import pathlib
from collections.abc import Callable, Sequence

import bench_run
import qemu
from common import KxError, status

SIZES = ("128M", "1G")
PHASE_PREFIX = "boot_phase/"
TIMEOUT = 300.0


def kernel_args(*, report: bool) -> list[str]:
    """The command line of a measured boot: quiet, and either the boot_phase report or a
    power-off right at `ready`."""
    if report:
        return ["quiet", *bench_run.kernel_args(filter=f"{PHASE_PREFIX}*", repetitions=1)]
    return ["quiet", "poweroff"]


def renamed_phases(report: dict, size: str) -> list[dict]:
    """The boot_phase records of one boot's report, renamed boot/<size>/<phase>; a failed or
    missing `ready` is an error (the boot's figures would not mean what they say)."""
    out = []
    for record in report.get("benchmarks", []):
        name = record.get("name", "")
        if not name.startswith(PHASE_PREFIX):
            continue
        renamed = dict(record)
        renamed["name"] = renamed["run_name"] = f"boot/{size}/{name[len(PHASE_PREFIX):]}"
        out.append(renamed)
    if not any(r["name"].endswith("/ready") and not r.get("error_occurred") for r in out):
        raise KxError(f"the {size} boot reported no boot_phase/ready figure")
    return out


def wall_record(size: str, seconds: float) -> dict:
    """A Google Benchmark record of one timed QEMU run (one iteration, milliseconds)."""
    ms = seconds * 1000.0
    name = f"boot/{size}/qemu_to_poweroff"
    return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
            "repetition_index": 0, "threads": 1, "iterations": 1, "real_time": ms,
            "cpu_time": ms, "time_unit": "ms", "label": "host wall time, not instructions"}


def run(elf: pathlib.Path, *, accel: str, icount: bool,
        boot_fn: Callable[..., bench_run.BootResult] = bench_run.boot,
        sizes: Sequence[str] = SIZES) -> dict:
    """Boots once per size for the phases and once per size to power-off; one report."""
    merged: dict | None = None
    records: list[dict] = []
    walls: list[tuple[str, float]] = []
    for size in sizes:
        boot = qemu.Boot("pvh", accel=accel, mem=size, icount=icount)
        result = boot_fn(boot, elf, kernel_args(report=True), timeout=TIMEOUT,
                         name=f"boot-{size}")
        report = bench_run.collect(result)
        records += renamed_phases(report, size)
        if merged is None:
            merged = report
        off = boot_fn(boot, elf, kernel_args(report=False), timeout=TIMEOUT,
                      name=f"boot-{size}-poweroff")
        if off.status is None:
            raise KxError(f"the {size} boot to power-off did not end: "
                          f"{bench_run.describe_end(off)}")
        walls.append((size, off.seconds))
    assert merged is not None
    context = merged.setdefault("context", {})
    context["keel_boot_sizes"] = ",".join(sizes)
    for size, seconds in walls:
        status(f"QEMU start to power-off at {size} (quiet, host wall time): {seconds:.3f} s")
        if icount:
            context[f"keel_qemu_to_poweroff_s_{size}"] = round(seconds, 3)
        else:
            records.append(wall_record(size, seconds))
    merged["benchmarks"] = records
    if icount:
        bench_run.mark_icount(merged)
    return merged
