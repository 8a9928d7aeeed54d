"""`kx bench --host --icount`: the host benchmarks' instructions per operation, counted by
valgrind (callgrind) instead of timed, so that two runs of the same binary agree exactly.

Each benchmark runs twice under callgrind, for exactly N1 and then N2 iterations (the
binaries' KEEL_BENCHMARK honours KEEL_BENCH_ITERATIONS; mm/testing/bench_iterations.h).
Callgrind counts only inside functions that take a `benchmark::State&` (the benchmark
functions: Google Benchmark's own timing, reporting and number formatting stay out), and
the difference of the two counts divided by N2 - N1 cancels the setup the function does
before and after its loop. What is left is the loop: the instructions per operation.

Counters that a benchmark derives from its time (`ns_per_page`, `s_per_GiB`: seconds per
item, as Google Benchmark's inverted rates are) become instructions per the same item
(`instructions_per_page`); items_per_second becomes instructions_per_item."""

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence

import bench_report
from common import KxError, tail

VALGRIND = "valgrind"
# N2 - N1 is a multiple of the per-CPU caches' batch (32) and capacity (64): a loop whose
# every 32nd operation refills or drains adds whole periods, and its mean repeats.
N1, N2 = 8, 72
# Callgrind's --toggle-collect pattern: collection runs inside the benchmark functions (and
# BENCHMARK_CAPTURE's lambdas), whose one parameter is the State.
BENCHMARK_FUNCTIONS = "*(benchmark::State&)"
TIME_COUNTER = re.compile(r"^(?:ns|us|ms|s)_per_(\w+)$")
TOTALS = re.compile(r"^totals:\s*(\d+)", re.MULTILINE)


class CountError(KxError):
    pass


def name_filter(name: str) -> str:
    """--benchmark_filter for `name` run with a fixed count: Google Benchmark then inserts
    `/iterations:N` into the name (before /threads, /real_time, ...)."""
    optional = "(/iterations:[0-9]+)?"
    return "^" + f"{optional}/".join(re.escape(part) for part in name.split("/")) + optional + "$"


def why_not_counted(name: str) -> str | None:
    """Why a benchmark's count would not repeat or cannot be taken, if so."""
    if re.search(r"/threads:(?!1(/|$))", name):
        return "runs several threads: valgrind's scheduling of them does not repeat"
    if "/iterations:" in name:
        return "its iteration count is fixed in the source, so N1 and N2 cannot be chosen"
    if name.endswith("/manual_time") or "/manual_time/" in name:
        return "times a part of its loop by hand: a whole-loop count would not be its figure"
    return None


def counting_copy(path: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path:
    """The binary without its debug sections (valgrind starts faster; the symbol table,
    which --toggle-collect matches, stays)."""
    copy = tmp / path.name
    shutil.copyfile(path, copy)
    copy.chmod(0o755)
    if shutil.which("strip"):
        subprocess.run(["strip", "--strip-debug", str(copy)], check=False, capture_output=True)
    return copy


def totals(callgrind_out: str) -> int:
    m = TOTALS.search(callgrind_out)
    if not m:
        raise CountError("callgrind wrote no totals line")
    return int(m[1])


# The whole environment of a counted process. Its size moves the initial stack, and with it
# the alignment of stack data, which changes the paths some glibc routines take (a count
# moved by 7 instructions per operation between two shells): it must not depend on the
# caller's environment, nor may the arguments' lengths (see count()).
COUNTING_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}


def count(binary: pathlib.Path, name: str, iterations: int, tmp: pathlib.Path,
          valgrind: str = VALGRIND) -> tuple[int, dict]:
    """(instructions inside the benchmark function, its Google Benchmark record) of one
    run of `name` for exactly `iterations` iterations. The binary and its outputs are named
    relative to `tmp`, its working directory, so that the arguments (on the stack, like
    the environment) are the same whatever the temporary directory is called."""
    out, cg = f"report-{iterations}.json", f"callgrind-{iterations}.out"
    cmd = [valgrind, "--tool=callgrind", f"--toggle-collect={BENCHMARK_FUNCTIONS}",
           f"--callgrind-out-file={cg}", f"./{binary.name}",
           f"--benchmark_filter={name_filter(name)}", f"--benchmark_out={out}",
           "--benchmark_out_format=json"]
    env = {**COUNTING_ENVIRONMENT, "KEEL_BENCH_ITERATIONS": str(iterations)}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, check=False)
    out_path, cg_path = tmp / out, tmp / cg
    if result.returncode != 0 or not out_path.exists() or not cg_path.exists():
        raise CountError(f"{binary.name} {name} under valgrind failed (exit "
                         f"{result.returncode}):\n{tail(result.stdout + result.stderr)}")
    records = [b for b in bench_report.load(out_path)["benchmarks"]
               if b.get("run_type", "iteration") == "iteration"]
    if len(records) != 1:
        raise CountError(f"{binary.name} {name}: expected one record, got {len(records)}")
    return totals(cg_path.read_text()), records[0]


def per_item_counters(record: dict, per_op: float) -> dict[str, float]:
    """The record's counters as counts: a time per item becomes instructions per item.
    Google Benchmark's rates divide by CPU time (real time only with UseRealTime)."""
    unit_s = bench_report.TIME_UNITS_NS[record.get("time_unit", "ns")] / 1e9
    clock = "real_time" if "real_time" in str(record.get("name", "")).split("/") else "cpu_time"
    seconds_per_op = float(record[clock]) * unit_s
    out = {}
    for key, value in record.items():
        if key in bench_report.RECORD_FIELDS or not isinstance(value, (int, float)) \
                or isinstance(value, bool):
            continue
        if (m := TIME_COUNTER.match(key)) and value > 0:
            out[f"instructions_per_{m[1]}"] = per_op / items_per_op(seconds_per_op / value)
        elif key == "items_per_second" and value > 0:
            out["instructions_per_item"] = per_op / items_per_op(value * seconds_per_op)
        elif not key.endswith("_per_second"):
            out[key] = float(value)  # a count, not derived from time
    return out


def items_per_op(ratio: float) -> float:
    """Items per operation from a ratio of two floats of one run: a whole number, bar the
    rounding of the times it came from."""
    nearest = round(ratio)
    return float(nearest) if nearest and abs(ratio - nearest) < 1e-6 * ratio else ratio


def figure_label(label: str) -> str:
    """A label's figure=ns_per_page names the counter as it is here: instructions_per_page."""
    def rename(m: re.Match) -> str:
        t = TIME_COUNTER.match(m[1])
        return f"figure={'instructions_per_' + t[1] if t else m[1]}"
    return re.sub(r"figure=(\S+)", rename, label)


def measure(binary: pathlib.Path, name: str, repetitions: int, tmp: pathlib.Path,
            valgrind: str = VALGRIND, n1: int = N1, n2: int = N2) -> list[dict]:
    """One Google Benchmark record per repetition, in instructions per operation."""
    base = {"name": name, "run_name": name, "run_type": "iteration",
            "repetitions": repetitions, "threads": 1, "time_unit": "ns"}
    if why := why_not_counted(name):
        return [{**base, "repetition_index": 0, "iterations": 0, "real_time": 0,
                 "cpu_time": 0, "skipped": True, "skip_message": why}]
    records = []
    for rep in range(repetitions):
        record = {**base, "repetition_index": rep}
        try:
            low, first = count(binary, name, n1, tmp, valgrind)
            high, second = count(binary, name, n2, tmp, valgrind)
        except CountError as e:
            return records + [{**record, "iterations": 0, "real_time": 0, "cpu_time": 0,
                               "error_occurred": True, "error_message": str(e)}]
        for run, n in ((first, n1), (second, n2)):
            if run.get("error_occurred"):
                return records + [{**record, "iterations": 0, "real_time": 0, "cpu_time": 0,
                                   "error_occurred": True,
                                   "error_message": run.get("error_message", "error")}]
            if run.get("iterations") != n:
                raise KxError(f"{binary.name} {name}: ran {run.get('iterations')} iterations, "
                              f"not the {n} of KEEL_BENCH_ITERATIONS (is it registered with "
                              f"KEEL_BENCHMARK?)")
        per_op = (high - low) / (n2 - n1)
        # real_time holds the count too: the JSON must have one, and no time was measured
        # (context.keel_measure says so).
        record.update(iterations=n2 - n1, real_time=per_op, cpu_time=per_op,
                      cycles_per_op=per_op, **per_item_counters(second, per_op))
        if second.get("label"):
            record["label"] = figure_label(second["label"])
        records.append(record)
    return records


def run_binary(path: pathlib.Path, names: Sequence[str], repetitions: int,
               on_line: Callable[[str], None], valgrind: str = VALGRIND) -> dict:
    with tempfile.TemporaryDirectory(prefix="kx-icount-") as tmp:
        binary = counting_copy(path, pathlib.Path(tmp))
        benchmarks = []
        for family, name in enumerate(names):
            on_line(f"{path.name}: {name} (valgrind, {N1} and {N2} iterations)")
            for i, record in enumerate(measure(binary, name, repetitions, pathlib.Path(tmp),
                                               valgrind)):
                benchmarks.append({**record, "family_index": family,
                                   "per_family_instance_index": 0})
    return {"context": {"executable": path.name}, "benchmarks": benchmarks}


def mark(report: dict) -> None:
    context = report.setdefault("context", {})
    context["keel_measure"] = bench_report.MEASURE_INSTRUCTIONS
    context["keel_icount"] = (f"valgrind --tool=callgrind, inside the benchmark functions, "
                              f"({N2} - {N1} iterations)")
