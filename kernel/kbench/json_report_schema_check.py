"""Checks a kbench JSON report against what Google Benchmark's tools/compare.py reads.

Usage: json_report_schema_check.py REPORT.json   (exit 0 when it conforms)

compare.py (gbench/report.py, util.py) reads context.json_schema_version (must be 1), and
per benchmark: name, run_type, aggregate_name (aggregates), repetitions, repetition_index,
family_index, per_family_instance_index, real_time, cpu_time and time_unit.
"""

import json
import sys

TIME_UNITS = {"ns", "us", "ms", "s"}
AGGREGATES = {"mean", "median", "stddev", "min", "p99"}
CONTEXT_KEYS = {
    "date": str, "host_name": str, "executable": str, "num_cpus": int, "mhz_per_cpu": int,
    "cpu_scaling_enabled": bool, "caches": list, "load_avg": list, "library_build_type": str,
    "json_schema_version": int, "keel_boot_path": str, "keel_accelerator": str,
    "keel_memory_bytes": int, "keel_cpu_model": str, "keel_tsc_hz": int,
    "keel_tsc_calibration": str, "keel_invariant_tsc": bool,
}


def check(report):
    problems = []
    context = report.get("context", {})
    for key, kind in CONTEXT_KEYS.items():
        if not isinstance(context.get(key), kind):
            problems.append(f"context.{key}: missing or not {kind.__name__}")
    if context.get("json_schema_version") != 1:
        problems.append("context.json_schema_version is not 1")
    for cache in context.get("caches", []):
        for key in ("type", "level", "size", "num_sharing"):
            if key not in cache:
                problems.append(f"cache without {key}: {cache}")
    seen = set()
    for i, b in enumerate(report.get("benchmarks", [])):
        where = f"benchmarks[{i}] ({b.get('name')})"
        for key, kind in (("name", str), ("run_name", str), ("run_type", str),
                          ("family_index", int), ("per_family_instance_index", int),
                          ("repetitions", int), ("threads", int), ("iterations", int),
                          ("real_time", (int, float)), ("cpu_time", (int, float)),
                          ("time_unit", str), ("cycles_per_op", (int, float))):
            if not isinstance(b.get(key), kind):
                problems.append(f"{where}: {key} missing or of the wrong type")
        if b.get("time_unit") not in TIME_UNITS:
            problems.append(f"{where}: time_unit {b.get('time_unit')!r}")
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") not in AGGREGATES:
                problems.append(f"{where}: aggregate_name {b.get('aggregate_name')!r}")
            if b.get("aggregate_unit") != "time":
                problems.append(f"{where}: aggregate_unit")
            if b["name"] != f"{b['run_name']}_{b['aggregate_name']}":
                problems.append(f"{where}: aggregate name is not <run_name>_<aggregate>")
            if "repetition_index" in b:
                problems.append(f"{where}: aggregates carry no repetition_index")
        elif b.get("run_type") == "iteration":
            if not isinstance(b.get("repetition_index"), int):
                problems.append(f"{where}: repetition_index")
            if b.get("name") != b.get("run_name"):
                problems.append(f"{where}: name != run_name")
        else:
            problems.append(f"{where}: run_type {b.get('run_type')!r}")
        key = (b.get("name"), b.get("run_type"), b.get("repetition_index"))
        if key in seen:
            problems.append(f"{where}: duplicate record {key}")
        seen.add(key)
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        report = json.load(f)
    problems = check(report)
    if not report.get("benchmarks"):
        problems.append("no benchmarks")
    for p in problems:
        print(p)
    print(f"{len(report.get('benchmarks', []))} records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
