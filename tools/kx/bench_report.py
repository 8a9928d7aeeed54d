"""Benchmark reports in Google Benchmark's JSON format (what kbench and Google Benchmark
binaries write): taking one out of a serial log, checking it has what Google Benchmark's
tools/compare.py reads, and reducing its records to one summary per benchmark."""

import dataclasses
import json
import math
import pathlib
import re
import statistics

from common import KxError

# kernel/kbench/run.cc fences the report with these lines on COM1 and on COM2.
BEGIN = "----- BEGIN KBENCH JSON -----"
END = "----- END KBENCH JSON -----"

TIME_UNITS_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# context.keel_measure of a report measured under QEMU icount (`kx bench --icount`): its
# cycles_per_op are retired guest instructions, exact and repeatable, and are its figure.
MEASURE_INSTRUCTIONS = "instructions"
TIME_UNIT = "ns/op"
INSTRUCTIONS_UNIT = "instructions/op"


class ReportError(KxError):
    """No usable report: missing, truncated or malformed."""


def extract(text: str, where: str) -> dict:
    """The report in one serial log. Between the marker lines when there are some; otherwise
    (a COM2 file from a kernel that writes bare JSON) the first line starting with `{` that
    begins a JSON object with `benchmarks`. Firmware text before it is ignored (OVMF mirrors
    its console to every serial port). `where` names the log in errors."""
    text = text.replace("\r", "")  # serial lines end in \r\n; JSON strings escape \r
    begin = text.rfind(BEGIN)
    if begin >= 0:
        body_start = text.find("\n", begin)
        end = text.find(END, begin)
        if body_start < 0 or end < 0:
            raise ReportError(f"{where}: the report is truncated ('{BEGIN}' without "
                              f"'{END}'): the kernel stopped or was stopped while writing it")
        return _parse(text[body_start:end], where, "between the markers")
    truncated = None
    for m in re.finditer(r"^\{", text, re.MULTILINE):
        try:
            value, _ = json.JSONDecoder().raw_decode(text, m.start())
        except json.JSONDecodeError as e:
            if e.pos >= len(text.rstrip()):  # ran out of text: a cut-off report
                truncated = e
            continue
        if isinstance(value, dict) and "benchmarks" in value:
            return _check_shape(value, where)
    if truncated:
        raise ReportError(f"{where}: the JSON report is truncated ({truncated.msg} at the end "
                          f"of the log): the kernel stopped or was stopped while writing it")
    raise ReportError(f"{where}: no benchmark report (no '{BEGIN}' line and no JSON object)")


def _parse(body: str, where: str, what: str) -> dict:
    try:
        value = json.loads(body)
    except json.JSONDecodeError as e:
        raise ReportError(f"{where}: the JSON {what} does not parse: {e.msg} at line "
                          f"{e.lineno} column {e.colno}") from None
    return _check_shape(value, where)


def _check_shape(value, where: str) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("benchmarks"), list):
        raise ReportError(f"{where}: the JSON is not a benchmark report (no 'benchmarks' list)")
    return value


def load(path: pathlib.Path) -> dict:
    """A report file: plain JSON (what `kx bench` writes, or a Google Benchmark
    --benchmark_out file), or a serial log that contains one."""
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror}") from None
    try:
        return _check_shape(json.loads(text), str(path))
    except json.JSONDecodeError:
        return extract(text, str(path))


# ---- compare.py compatibility ----------------------------------------------------------

AGGREGATE_NAMES = {"mean", "median", "stddev", "cv", "min", "max", "p99"}


def compare_py_problems(report: dict) -> list[str]:
    """What would stop Google Benchmark's tools/compare.py (gbench/util.py and report.py)
    from reading `report`: it checks context.json_schema_version, sorts by family_index,
    per_family_instance_index and repetition_index, partitions by name and run_type,
    recognizes aggregates by aggregate_name, and compares real_time/cpu_time in time_unit
    with iterations and repetitions (the U test takes the iteration records)."""
    problems = []
    context = report.get("context")
    if not isinstance(context, dict):
        problems.append("context: missing")
    elif context.get("json_schema_version") != 1:
        problems.append(f"context.json_schema_version: {context.get('json_schema_version')!r}, "
                        f"compare.py needs 1")
    benchmarks = report.get("benchmarks")
    if not isinstance(benchmarks, list):
        return problems + ["benchmarks: missing or not a list"]
    for i, b in enumerate(benchmarks):
        label = b.get("name") if isinstance(b, dict) else repr(b)
        where = f"benchmarks[{i}] ({label})"
        if not isinstance(b, dict):
            problems.append(f"{where}: not an object")
            continue
        for key, kind in (("name", str), ("run_type", str), ("real_time", (int, float)),
                          ("cpu_time", (int, float)), ("time_unit", str),
                          ("iterations", int), ("repetitions", int)):
            if not isinstance(b.get(key), kind) or isinstance(b.get(key), bool):
                problems.append(f"{where}: {key} missing or of the wrong type")
        for key in ("family_index", "per_family_instance_index", "repetition_index"):
            if key in b and not isinstance(b[key], int):
                problems.append(f"{where}: {key} is not an integer")
        if b.get("time_unit") not in TIME_UNITS_NS:
            problems.append(f"{where}: time_unit {b.get('time_unit')!r} is not ns/us/ms/s")
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") not in AGGREGATE_NAMES:
                problems.append(f"{where}: aggregate_name {b.get('aggregate_name')!r}")
        elif b.get("run_type") != "iteration":
            problems.append(f"{where}: run_type {b.get('run_type')!r} is not iteration/aggregate")
    return problems


# ---- Summaries -------------------------------------------------------------------------

# The fields of a Google Benchmark iteration record that are not user counters; every
# other number in a record is one (kbench's cycles_per_op, items_per_second, ns_per_page).
RECORD_FIELDS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "error_occurred", "error_message", "skipped", "skip_message", "label",
    "aggregate_name", "aggregate_unit",
}
# A record's label may name its primary figure, a counter: `figure=ns_per_page`
# (Google Benchmark's state.SetLabel; kbench writes the same field).
FIGURE_LABEL = re.compile(r"(?:^|\s)figure=(\S+)")


def counter_unit(name: str, measure: str | None = None) -> str:
    """A counter's unit, from its name: `cycles_per_GiB` is cycles/GiB, `items_per_second`
    items/s, a bare name (`frames`) counts itself. Under instruction counting (icount,
    valgrind) a counter of cycles counts instructions."""
    what, per, of = name.partition("_per_")
    if measure == MEASURE_INSTRUCTIONS and what == "cycles":
        what = "instructions"
    if not per:
        return what
    return f"{what}/{'s' if of == 'second' else of}"


def higher_is_better(unit: str) -> bool:
    """Rates (per second) grow when the code gets faster; costs (per op, per GiB) shrink."""
    return unit.endswith("/s")


@dataclasses.dataclass
class Summary:
    """One benchmark (a run_name) over its repetitions."""
    name: str
    times_ns: list[float] = dataclasses.field(default_factory=list)  # real time per op
    iterations: list[int] = dataclasses.field(default_factory=list)
    cycles: list[float] = dataclasses.field(default_factory=list)  # kbench's cycles_per_op
    error: str | None = None  # "ERROR: why" / "SKIPPED: why"
    # The unit of the figure the table, comparison and plot use: time, or for an icount
    # report the instruction counts (cycles_per_op), or the unit of `figure`.
    unit: str = TIME_UNIT
    # Every user counter, per repetition, by name.
    counters: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    # The counter that is this benchmark's figure (its label's `figure=`, or --figure),
    # instead of the time or instruction count per operation.
    figure: str | None = None
    # Figures that repeat exactly (instruction counts): any difference is a change.
    deterministic: bool = False

    @property
    def values(self) -> list[float]:
        if self.figure is not None:
            return self.counters.get(self.figure, [])
        return self.cycles if self.unit == INSTRUCTIONS_UNIT else self.times_ns

    @property
    def exact(self) -> bool:
        """Deterministic figures: equal code gives equal numbers, so any change is real."""
        return self.deterministic or self.unit == INSTRUCTIONS_UNIT

    @property
    def higher_is_better(self) -> bool:
        return higher_is_better(self.unit)

    def other_counters(self) -> dict[str, float]:
        """The median of every counter that is not the figure itself, nor kbench's
        cycles_per_op (the table's own column, or the instruction count itself)."""
        return {name: statistics.median(values) for name, values in self.counters.items()
                if values and name not in (self.figure, "cycles_per_op")}

    def choose_figure(self, counter: str, measure: str | None = None) -> bool:
        """Makes `counter` the figure when this benchmark has it."""
        if counter not in self.counters:
            return False
        self.figure = counter
        self.unit = counter_unit(counter, measure)
        return True

    @property
    def failed(self) -> bool:
        return self.error is not None and self.error.startswith("ERROR")

    @property
    def skipped(self) -> bool:
        return self.error is not None and self.error.startswith("SKIPPED")

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def p99(self) -> float:
        return p99(self.values)

    @property
    def spread(self) -> float:
        """(max - min) / median: the relative noise of the repetitions."""
        m = self.median
        return (max(self.values) - min(self.values)) / m if m > 0 else 0.0


def p99(values: list[float]) -> float:
    """Nearest-rank 99th percentile, as kbench computes its _p99 aggregate."""
    ordered = sorted(values)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def summarize(report: dict, figure: str | None = None) -> list[Summary]:
    """One Summary per benchmark in the report's order, from its iteration records (the
    aggregates are recomputed: Google Benchmark's have no min or p99). A benchmark's figure
    is `figure` (a counter name, e.g. from --figure) when it has that counter, else the one
    its label names, else its time (or instruction count) per operation."""
    summaries: dict[str, Summary] = {}
    figure_unit = unit_of(report)
    measure = report.get("context", {}).get("keel_measure")
    labelled: dict[str, str] = {}
    for b in report["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        name = b.get("run_name") or b["name"]
        s = summaries.setdefault(name, Summary(name, unit=figure_unit,
                                               deterministic=measure == MEASURE_INSTRUCTIONS))
        if m := FIGURE_LABEL.search(str(b.get("label", ""))):
            labelled[name] = m[1]
        if b.get("error_occurred"):
            s.error = f"ERROR: {b.get('error_message') or 'error'}"
            continue
        if b.get("skipped"):  # kbench; Google Benchmark >= 1.8 writes an enum here
            s.error = f"SKIPPED: {b.get('skip_message') or 'skipped'}"
            continue
        unit = TIME_UNITS_NS.get(b.get("time_unit", "ns"))
        if unit is None:
            raise ReportError(f"{name}: unknown time_unit {b.get('time_unit')!r}")
        s.times_ns.append(float(b["real_time"]) * unit)
        s.iterations.append(int(b.get("iterations", 0)))
        if "cycles_per_op" in b:
            s.cycles.append(float(b["cycles_per_op"]))
        elif figure_unit == INSTRUCTIONS_UNIT:
            raise ReportError(f"{name}: an instruction-count report without cycles_per_op")
        for key, value in b.items():
            if key not in RECORD_FIELDS and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                s.counters.setdefault(key, []).append(float(value))
    for s in summaries.values():
        chosen = (figure and s.choose_figure(figure, measure)) or \
            (s.name in labelled and s.choose_figure(labelled[s.name], measure))
        if not chosen and s.name in labelled and not s.error:
            s.error = f"ERROR: the label names figure {labelled[s.name]}, not a counter of it"
    # A benchmark whose every record failed has no times; one that failed after some
    # repetitions keeps them but still counts as failed.
    return list(summaries.values())


def unit_of(report: dict) -> str:
    """What a report's figures are: instructions per operation (icount) or time."""
    measure = report.get("context", {}).get("keel_measure")
    return INSTRUCTIONS_UNIT if measure == MEASURE_INSTRUCTIONS else TIME_UNIT


def glob_match(pattern: str, name: str) -> bool:
    """kbench.filter's glob (kernel/ktest/glob.h): `*` and `?` only, `*` crossing `/`."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, re.DOTALL) is not None
