"""`kx bench --host`: the Google Benchmark binaries of the portable mm/ code (every
`*_bench` cc_binary under //mm/...), run on this machine and merged into one report."""

import pathlib
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence

import bazel
import bench_host_icount
import bench_report
from common import KxError, tail

QUERY = 'kind("cc_binary", attr(name, "_bench$", //mm/...))'


# A console row of Google Benchmark: `BM_x/8   161 ns   161 ns   4294370 ...`.
RESULT_ROW = re.compile(r"^(\S+)\s+[\d.]+ [nmu]?s\s")


def discover() -> list[str]:
    result = bazel.bazel(["query", QUERY], capture=True)
    if result.returncode != 0:
        raise KxError(f"bazel query '{QUERY}' failed:\n{bazel.error_lines(result.stderr)}")
    labels = sorted(line for line in result.stdout.split() if line.startswith("//"))
    if not labels:
        raise KxError(f"no host benchmarks: bazel query '{QUERY}' found no target")
    return labels


def binary(bin_dir: pathlib.Path, label: str) -> pathlib.Path:
    package, _, name = label[2:].partition(":")
    return bin_dir / package / name


def short_name(label: str) -> str:
    """The prefix of a binary's benchmark names in the merged report: its target name."""
    return label.rpartition(":")[2]


def list_benchmarks(path: pathlib.Path) -> list[str]:
    result = subprocess.run([str(path), "--benchmark_list_tests=true"], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise KxError(f"{path} --benchmark_list_tests failed (exit {result.returncode}):\n"
                      f"{tail(result.stdout + result.stderr)}")
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def select(prefix: str, names: Sequence[str], pattern: str | None) -> list[str]:
    """Names the glob selects; it may name the benchmark with or without the prefix."""
    if not pattern:
        return list(names)
    return [n for n in names if bench_report.glob_match(pattern, n)
            or bench_report.glob_match(pattern, f"{prefix}.{n}")]


def exact_filter(names: Sequence[str]) -> str:
    """--benchmark_filter (a regex searched in each name) matching exactly these names."""
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def run_one(path: pathlib.Path, names: Sequence[str], repetitions: int,
            on_line: Callable[[str], None]) -> dict:
    with tempfile.TemporaryDirectory(prefix="kx-bench-") as tmp:
        out = pathlib.Path(tmp, "report.json")
        cmd = [str(path), f"--benchmark_filter={exact_filter(names)}",
               f"--benchmark_repetitions={repetitions}", f"--benchmark_out={out}",
               "--benchmark_out_format=json"]
        lines = []
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as proc:
            for line in proc.stdout:
                lines.append(line)
                if m := RESULT_ROW.match(line):
                    on_line(f"{path.name}: {m[1]}")
        if proc.returncode != 0:
            raise KxError(f"{path.name} failed (exit {proc.returncode}):\n"
                          f"{tail(''.join(lines))}")
        return bench_report.load(out)


def merge(reports: Sequence[tuple[str, dict]]) -> dict:
    """One report from several binaries': names prefixed with the binary's, family indices
    kept distinct, the first context (plus the schema version compare.py checks: Debian's
    Google Benchmark 1.7 writes the version-1 format without saying so)."""
    context = dict(reports[0][1].get("context", {})) if reports else {}
    context.setdefault("json_schema_version", 1)
    context["executable"] = "kx bench --host"
    context["keel_host_binaries"] = [prefix for prefix, _ in reports]
    benchmarks = []
    family_base = 0
    for prefix, report in reports:
        families = 0
        for b in report.get("benchmarks", []):
            b = dict(b)
            for key in ("name", "run_name"):
                if key in b:
                    b[key] = f"{prefix}.{b[key]}"
            if "family_index" in b:
                families = max(families, b["family_index"] + 1)
                b["family_index"] += family_base
            benchmarks.append(b)
        family_base += families
    return {"context": context, "benchmarks": benchmarks}


def run(*, filter: str | None, repetitions: int,
        on_line: Callable[[str], None] = lambda line: None, icount: bool = False) -> dict:
    """The merged report of every selected benchmark: timed, or with `icount` counted
    under valgrind (bench_host_icount)."""
    labels = discover()
    bazel.build(labels)
    bin_dir = bazel.bin_dir()
    plan = []
    for label in labels:
        path = binary(bin_dir, label)
        names = select(short_name(label), list_benchmarks(path), filter)
        if names:
            plan.append((label, path, names))
    if not plan:
        raise KxError(f"--filter {filter}: matches none of the host benchmarks of "
                      f"{', '.join(labels)}")
    reports = []
    for label, path, names in plan:
        on_line(f"{label}: {len(names)} benchmark(s), {repetitions} repetition(s) each")
        if icount:
            report = bench_host_icount.run_binary(path, names, repetitions, on_line)
        else:
            report = run_one(path, names, repetitions, on_line)
        reports.append((short_name(label), report))
    merged = merge(reports)
    if icount:
        bench_host_icount.mark(merged)
    return merged
