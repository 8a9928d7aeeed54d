"""`kx bench`: run keel's in-kernel benchmarks (or with --host the host-side Google
Benchmark binaries of mm/), print a table, save the Google Benchmark JSON, and optionally
compare with a baseline and plot.

  ./kx bench                          KVM + PVH on microvm when /dev/kvm works, else TCG
  ./kx bench --filter 'mm.*' --repetitions 9 --compare out/bench/base.json --plot cmp.png
  ./kx bench --host                   the *_bench binaries under //mm/... on this machine
  ./kx bench --host --icount          ... their instructions per operation, counted by
                                      valgrind: exact, two runs report identical numbers
  ./kx bench --icount                 instructions per operation under QEMU icount: exact,
                                      two runs of one keel.elf report identical numbers
  ./kx bench --compare A.json B.json  compare two saved reports without running anything
  ./kx bench --from-log serial.txt    the report a real box printed on its serial port
  ./kx bench --from-qr scans/*        ... or showed on its screen as QR codes
"""

import argparse
import datetime
import json
import pathlib
import re
import shutil
import sys

import bazel
import bench_boot
import bench_compare
import bench_host
import bench_plot
import bench_qr
import bench_report
import bench_run
import bench_table
import deps
import qemu
from common import OUT, KxError, status

HELP = "run the benchmarks (in-kernel, or --host), print a table, save JSON, compare, plot"
BENCH_DIR = OUT / "bench"
DEFAULT_TIMEOUT = 3600.0  # a full in-kernel run; KVM without EPT is slow at touching memory
_SIZE = re.compile(r"\d+[KMGT]?")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kx bench", description=HELP,
        epilog="With two files, --compare A.json B.json compares saved reports (base A, new "
               "B) without building or booting; --filter and --plot apply to them.")
    p.add_argument("--accel", choices=("kvm", "tcg"),
                   help="default: kvm when /dev/kvm opens read-write, else tcg (with a loud "
                        "note: emulated timings are not real)")
    p.add_argument("--firmware", choices=qemu.FIRMWARES, default="pvh",
                   help="default pvh (keel.elf on -M microvm)")
    p.add_argument("--mem", default="512M", help="guest RAM, QEMU -m syntax (default 512M)")
    p.add_argument("--smp", type=int, default=1, metavar="N",
                   help="guest CPUs (default 1: single-CPU figures stay comparable)")
    p.add_argument("--filter", metavar="GLOB", help="only benchmarks matching GLOB (* and ?)")
    p.add_argument("--repetitions", type=int, metavar="N",
                   help="repetitions per benchmark (default 5)")
    p.add_argument("--min-time-ms", type=int, metavar="N",
                   help="in-kernel: grow iterations until a repetition takes N ms (default 10)")
    p.add_argument("--json", type=pathlib.Path, metavar="OUT",
                   help="where to write the report (default out/bench/keel-<time>.json, "
                        "host-<time>.json with --host)")
    p.add_argument("--compare", type=pathlib.Path, nargs="+", metavar="REPORT",
                   help="compare with a baseline report (or two reports: BASE NEW)")
    p.add_argument("--min-effect", type=float, metavar="PCT",
                   help="smallest change --compare reports, in percent (default: 10 for "
                        "reports measured under QEMU, 3 otherwise): run-to-run noise")
    p.add_argument("--plot", type=pathlib.Path, metavar="OUT.png",
                   help="plot each benchmark's figure, one series per report (gnuplot)")
    p.add_argument("--figure", metavar="COUNTER",
                   help="make this user counter (e.g. ns_per_page, cycles_per_GiB) the figure "
                        "of every benchmark that has it, in the table, --compare and --plot; "
                        "a benchmark may name its own with the label 'figure=COUNTER'")
    p.add_argument("--icount", action="store_true",
                   help="count instructions instead of timing: TCG with -icount shift=0, where "
                        "the guest TSC advances once per retired instruction (with --host: "
                        "valgrind's callgrind); figures are instructions per operation and "
                        "compare exactly")
    p.add_argument("--boot", action="store_true",
                   help="what a boot costs: PVH at 128M and 1G, quiet, each phase to ready "
                        "(instructions with --icount) and QEMU's wall time to power-off")
    p.add_argument("--host", action="store_true",
                   help="run the host Google Benchmark binaries (*_bench under //mm/...) instead")
    p.add_argument("--smoke", action="store_true",
                   help="every in-kernel benchmark once with one iteration (kbench.smoke)")
    p.add_argument("--elf", type=pathlib.Path, metavar="PATH",
                   help="boot this keel.elf instead of building one (e.g. an older build, "
                        "for a baseline)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help=f"stop QEMU after S seconds (default {DEFAULT_TIMEOUT:g}, smoke "
                        f"{bench_run.SMOKE_TIMEOUT:g})")
    recover = p.add_mutually_exclusive_group()
    recover.add_argument("--from-log", type=pathlib.Path, metavar="FILE",
                         help="run nothing: take the report out of a captured serial or "
                              "console log (e.g. from a real box)")
    recover.add_argument("--from-qr", type=pathlib.Path, nargs="+", metavar="FILE",
                         help="run nothing: reassemble the report from the QR codes keel "
                              "showed on screen (text files, one scanned code each, or "
                              "images zbarimg decodes)")
    return p


class Progress:
    """One status line rewritten in place on a terminal; plain lines otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = False

    def update(self, text: str) -> None:
        if self.tty:
            width = shutil.get_terminal_size().columns - 1  # a wrapped line cannot be redrawn
            self.stream.write(f"\r\x1b[K{f'kx: {text}'[:width]}")
            self.stream.flush()
            self.shown = True
        else:
            status(text)

    def note(self, text: str) -> None:
        self.clear()
        status(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.repetitions is not None and not 1 <= args.repetitions <= 100:
        raise KxError(f"--repetitions {args.repetitions}: expected 1 to 100")
    if args.compare and len(args.compare) > 2:
        raise KxError("--compare takes a baseline, or two reports (BASE NEW)")
    if args.compare and len(args.compare) == 2:
        return compare_files(args)
    if args.from_log or args.from_qr:
        return recover(args)

    if args.plot:
        deps.ensure(deps.BENCH_PLOT)
    if args.boot:
        report = run_boot(args)
    elif args.host:
        deps.ensure(deps.HOST_ICOUNT if args.icount else deps.HOST_BENCH)
        if args.icount:
            status("icount: figures are instructions per operation counted by valgrind "
                   "(exact), not time")
        report = run_host(args)
    else:
        report = run_kernel(args)

    problems = bench_report.compare_py_problems(report)
    for problem in problems[:10]:
        status(f"warning: the report will not load in compare.py: {problem}")
    out = args.json or BENCH_DIR / (f"{'host' if args.host else 'keel'}-"
                                    f"{datetime.datetime.now():%Y%m%d-%H%M%S}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    summaries = bench_report.summarize(report, args.figure)
    print(bench_table.format_table(summaries))
    print(bench_table.counts_line(summaries))
    status(f"report: {out}")

    series = [(out.name, summaries)]
    if args.compare:
        base_report = bench_report.load(args.compare[0])
        # The run holds only what --filter selected: so must the baseline's side.
        base = filtered(base_report, args.filter, args.figure)
        print_comparison(args.compare[0], base_report, base, out, report, summaries,
                         args.min_effect)
        series.insert(0, (f"{args.compare[0].name} (base)", base))
    if args.plot:
        bench_plot.render(series, args.plot)
        status(f"plot: {args.plot}")
    return 1 if any(s.failed for s in summaries) else 0


def recover(args: argparse.Namespace) -> int:
    """--from-log / --from-qr: a report measured elsewhere, saved and shown like a run's."""
    for flag, value in (("--host", args.host), ("--smoke", args.smoke), ("--elf", args.elf),
                        ("--accel", args.accel), ("--repetitions", args.repetitions),
                        ("--min-time-ms", args.min_time_ms), ("--timeout", args.timeout),
                        ("--compare", args.compare), ("--plot", args.plot)):
        if value:
            flag_from = "--from-log" if args.from_log else "--from-qr"
            raise KxError(f"{flag_from} runs nothing: {flag} does not apply")
    if args.from_log:
        if not args.from_log.is_file():
            raise KxError(f"--from-log {args.from_log}: no such file")
        report = bench_report.extract(args.from_log.read_text(errors="replace"),
                                      str(args.from_log))
    else:
        report, _ = bench_qr.report_from_files(args.from_qr)
    out = args.json or BENCH_DIR / f"recovered-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    summaries = filtered(report, args.filter, args.figure)
    print(bench_table.format_table(summaries))
    print(bench_table.counts_line(summaries))
    status(f"report: {out}")
    return 1 if any(s.failed for s in summaries) else 0


def chosen_accel(args: argparse.Namespace) -> str:
    """TCG under --icount; else --accel, or KVM where it works; an unusable choice is an
    error that says why."""
    if args.icount and args.accel == "kvm":
        raise KxError("--icount counts instructions under TCG: --accel kvm does not apply")
    accel = "tcg" if args.icount else args.accel or ("tcg" if qemu.kvm_problem() else "kvm")
    if accel == "kvm" and (problem := qemu.kvm_problem()):
        raise KxError(f"--accel kvm: {problem}; use --accel tcg")
    return accel


def run_kernel(args: argparse.Namespace) -> dict:
    if not _SIZE.fullmatch(args.mem):
        raise KxError(f"--mem {args.mem}: expected a size like 512M or 6G")
    accel = chosen_accel(args)
    if args.smp < 1:
        raise KxError(f"--smp {args.smp}: expected at least 1")
    boot = qemu.Boot(args.firmware, accel=accel, mem=args.mem, icount=args.icount, smp=args.smp)
    deps.ensure(deps.BENCH + deps.for_firmware(boot.firmware))
    if args.icount:
        status("icount: figures are guest instructions per operation (exact), not time")
    elif accel == "tcg":
        warn_tcg(args.accel is None)
    kernel_args = bench_run.kernel_args(filter=args.filter, repetitions=args.repetitions,
                                        min_time_ms=args.min_time_ms, smoke=args.smoke)
    if args.elf and not args.elf.is_file():
        raise KxError(f"--elf {args.elf}: no such file")
    elf = args.elf.resolve() if args.elf else bazel.build_kernel()
    timeout = args.timeout or (bench_run.SMOKE_TIMEOUT if args.smoke else DEFAULT_TIMEOUT)
    status(f"booting {boot.firmware} on {boot.machine or qemu.DEFAULT_MACHINE[boot.firmware]} "
           f"under {accel.upper()}{' -icount shift=0' if args.icount else ''}: "
           f"{' '.join(kernel_args)}")
    progress = Progress()

    def on_line(line: str) -> None:
        if m := bench_run.PROGRESS.match(line):
            progress.update(f"[{m[1]}/{m[2]}] {m[3]}")
        elif bench_run.NOTEWORTHY.search(line):
            progress.note(f"kernel: {line.strip()}")

    try:
        result = bench_run.boot(boot, elf, kernel_args, timeout=timeout, on_line=on_line)
    finally:
        progress.clear()
    status(f"QEMU: {bench_run.describe_end(result)} after {result.seconds:.1f} s; "
           f"serial log {result.com1}")
    report = bench_run.collect(result)
    if args.icount:
        bench_run.mark_icount(report)
    return report


def run_boot(args: argparse.Namespace) -> dict:
    for flag, value in (("--host", args.host), ("--smoke", args.smoke), ("--filter", args.filter),
                        ("--repetitions", args.repetitions), ("--min-time-ms", args.min_time_ms)):
        if value:
            raise KxError(f"--boot measures whole boots: {flag} does not apply")
    accel = chosen_accel(args)
    deps.ensure(deps.BENCH + deps.for_firmware("pvh"))
    if args.icount:
        status("icount: boot phases are guest instructions (exact); QEMU's time is host time")
    elif accel == "tcg":
        warn_tcg(args.accel is None)
    if args.elf and not args.elf.is_file():
        raise KxError(f"--elf {args.elf}: no such file")
    elf = args.elf.resolve() if args.elf else bazel.build_kernel()
    status(f"booting pvh at {' and '.join(bench_boot.SIZES)}, quiet, under {accel.upper()}")
    return bench_boot.run(elf, accel=accel, icount=args.icount)


def warn_tcg(defaulted: bool) -> None:
    why = f"{qemu.kvm_problem() or 'KVM is usable'}" if defaulted else "--accel tcg"
    for line in ("*" * 76,
                 f"NOTE: running under TCG (QEMU's emulator) because {why}.",
                 "EMULATED TIMINGS ARE NOT REAL: they measure QEMU's translation of the code,",
                 "not the hardware. Compare TCG runs only with TCG runs of the same machine.",
                 "*" * 76):
        status(line)


def run_host(args: argparse.Namespace) -> dict:
    for flag, value in (("--accel", args.accel), ("--smoke", args.smoke), ("--elf", args.elf),
                        ("--min-time-ms", args.min_time_ms), ("--timeout", args.timeout)):
        if value:
            raise KxError(f"--host runs the host binaries: {flag} does not apply")
    progress = Progress()
    try:
        # Counts repeat exactly: one repetition says all, unless asked to show it.
        return bench_host.run(filter=args.filter,
                              repetitions=args.repetitions or (1 if args.icount else 5),
                              on_line=progress.update, icount=args.icount)
    finally:
        progress.clear()


def filtered(report: dict, pattern: str | None,
             figure: str | None = None) -> list[bench_report.Summary]:
    """The report's summaries that --filter selects, with --figure's counter as their figure
    where they have it. A host report's names start with their binary's
    (allocator_bench.BM_x): the glob may leave that out, as with --host."""
    summaries = bench_report.summarize(report, figure)
    if not pattern:
        return summaries
    host = "keel_host_binaries" in report.get("context", {})
    return [s for s in summaries if bench_report.glob_match(pattern, s.name)
            or (host and bench_report.glob_match(pattern, s.name.partition(".")[2]))]


def compare_files(args: argparse.Namespace) -> int:
    for flag, value in (("--host", args.host), ("--smoke", args.smoke), ("--json", args.json),
                        ("--accel", args.accel), ("--repetitions", args.repetitions),
                        ("--elf", args.elf)):
        if value:
            raise KxError(f"--compare with two reports runs nothing: {flag} does not apply")
    base_path, new_path = args.compare
    base_report, new_report = bench_report.load(base_path), bench_report.load(new_path)
    base = filtered(base_report, args.filter, args.figure)
    new = filtered(new_report, args.filter, args.figure)
    if not base and not new:
        raise KxError(f"--filter {args.filter}: matches no benchmark in either report")
    print_comparison(base_path, base_report, base, new_path, new_report, new, args.min_effect)
    if args.plot:
        deps.ensure(deps.BENCH_PLOT)
        bench_plot.render([(f"{base_path.name} (base)", base), (new_path.name, new)], args.plot)
        status(f"plot: {args.plot}")
    return 0


def print_comparison(base_path, base_report, base, new_path, new_report, new,
                     min_effect_pct: float | None = None) -> None:
    print(f"\nbase: {base_path}\nnew:  {new_path}")
    if min_effect_pct is None:
        min_effect = bench_compare.default_min_effect(base_report.get("context", {}),
                                                      new_report.get("context", {}))
    else:
        min_effect = min_effect_pct / 100
    units = {bench_report.unit_of(base_report), bench_report.unit_of(new_report)}
    if len(units) > 1:
        raise KxError(f"cannot compare {' with '.join(sorted(units))}: run both with or both "
                      f"without --icount")
    if units == {bench_report.INSTRUCTIONS_UNIT}:
        if min_effect_pct is not None:
            raise KxError("--min-effect: instruction counts are exact and have no noise floor")
        print("instruction counts are exact: every difference is reported")
    else:
        print(f"changes within ±{min_effect * 100:.0f}% count as noise (--min-effect)")
    for key in ("keel_accelerator", "keel_boot_path", "keel_cpu_model", "host_name"):
        a = base_report.get("context", {}).get(key)
        b = new_report.get("context", {}).get(key)
        if a != b:
            status(f"warning: the reports differ in {key}: {a!r} (base) vs {b!r} (new)")
    print(bench_compare.format_comparison(bench_compare.compare(base, new, min_effect)))
