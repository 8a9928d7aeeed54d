"""`kx fuzz`: build keel's libFuzzer targets with coverage over all the code they test, and
run each (or one) for a while over a corpus kept in out/fuzz/<target>/.

  ./kx fuzz --list
  ./kx fuzz                               every *_fuzzer target, 60 s each
  ./kx fuzz allocator_fuzzer --seconds 600 --jobs 2
"""

import argparse
import dataclasses
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import bazel
import deps
from common import OUT, ROOT, KxError, status

HELP = "build the libFuzzer targets with full coverage and run them; report crashes"
FUZZ_DIR = OUT / "fuzz"
QUERY_FUZZERS = 'kind("cc_binary", attr(name, "_fuzzer$", //...))'
QUERY_SEEDS = 'kind("cc_binary", attr(name, "_seeds$", //...))'
# keel_fuzzer puts -fsanitize=fuzzer on the fuzzer's own sources only, so the libraries it
# tests would get no coverage feedback: instrument everything for these builds. The suffix
# gives them their own output tree, so `bazel test //...` keeps its cached objects.
BUILD_FLAGS = ("--copt=-fsanitize=fuzzer-no-link", "--platform_suffix=-fuzz")
# Fewer instrumented edges than this means the code under test was not instrumented.
MIN_EDGES = 100
# One input running longer than this is a finding (libFuzzer's default is 20 minutes).
INPUT_TIMEOUT = 30
STOP_GRACE = 120  # seconds past --seconds before a fuzzer that does not stop is killed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kx fuzz", description=HELP)
    p.add_argument("target", nargs="?", help="a fuzzer's name or label (default: all)")
    p.add_argument("--seconds", type=int, default=60, metavar="N",
                   help="fuzzing time per target (default 60)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="parallel fuzzing processes per target (libFuzzer -fork=N)")
    p.add_argument("--list", action="store_true", help="list the fuzz targets and exit")
    return p


def query(expression: str) -> list[str]:
    result = bazel.bazel(["query", expression], capture=True)
    if result.returncode != 0:
        raise KxError(f"bazel query '{expression}' failed:\n{bazel.error_lines(result.stderr)}")
    return [line for line in result.stdout.split() if line.startswith("//")]


def name_of(label: str) -> str:
    return label.rpartition(":")[2]


def package_of(label: str) -> str:
    return label[2:].partition(":")[0]


def pick(labels: list[str], wanted: str | None) -> list[str]:
    if not wanted:
        return labels
    chosen = [l for l in labels if wanted in (l, name_of(l), l.lstrip("/"))]
    if len(chosen) != 1:
        problem = "is ambiguous" if chosen else "is not a fuzz target"
        raise KxError(f"{wanted} {problem}; the fuzz targets are:\n  " + "\n  ".join(labels))
    return chosen


def seeds_target(fuzzer: str, seeds: list[str]) -> str | None:
    """The binary that writes `fuzzer`'s seed inputs into a directory: in its package,
    named <stem>_fuzz_seeds or <stem>_seeds for <stem>_fuzzer."""
    stem = name_of(fuzzer).removesuffix("_fuzzer")
    for candidate in (f"{stem}_fuzz_seeds", f"{stem}_seeds", f"{stem}_fuzzer_seeds"):
        label = f"//{package_of(fuzzer)}:{candidate}"
        if label in seeds:
            return label
    return None


def testdata_dirs(fuzzer: str, root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """Checked-in seed corpora, if any: <package>/{testdata,corpus,fuzz/corpus}/<name|stem>."""
    package = root / package_of(fuzzer)
    stem = name_of(fuzzer).removesuffix("_fuzzer")
    found = []
    for parent in ("testdata", "corpus", "fuzz/corpus"):
        for leaf in (name_of(fuzzer), stem):
            d = package / parent / leaf
            if d.is_dir() and any(d.iterdir()) and d not in found:
                found.append(d)
    return found


def command(binary: pathlib.Path, work: pathlib.Path, corpora: list[pathlib.Path], *,
            seconds: int, jobs: int) -> list[str]:
    """libFuzzer's command line: new inputs go to the first corpus, crash inputs to
    artifacts/."""
    cmd = [str(binary), f"-max_total_time={seconds}", f"-artifact_prefix={work / 'artifacts'}/",
           f"-timeout={INPUT_TIMEOUT}", "-print_final_stats=1"]
    if jobs > 1:
        cmd.append(f"-fork={jobs}")
    return cmd + [str(c) for c in corpora]


@dataclasses.dataclass
class FuzzResult:
    label: str
    returncode: int | None  # None: did not stop in time
    log: pathlib.Path
    seconds: float = 0.0
    edges: int | None = None  # instrumented edges (inline 8-bit counters)
    coverage: str = ""  # the last "cov: N ft: N" libFuzzer printed
    runs: int | None = None
    corpus: int = 0
    reproducers: list[str] = dataclasses.field(default_factory=list)
    reason: str = ""  # sanitizer / libFuzzer summary of a crash

    @property
    def crashed(self) -> bool:
        return self.returncode != 0


_EDGES = re.compile(r"INFO: Loaded \d+ modules\s+\((\d+) inline 8-bit counters\)")
_COV = re.compile(r"\bcov: (\d+) ft: (\d+)")
_RUNS = re.compile(r"stat::number_of_executed_units: (\d+)")
_FORK_RUNS = re.compile(r"^#(\d+): cov: ", re.MULTILINE)
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_REASON = re.compile(r"^(SUMMARY: .*|==\d+== ?ERROR: .*)$")


def parse_output(text: str, result: FuzzResult) -> None:
    if m := _EDGES.search(text):
        result.edges = int(m[1])
    if covs := _COV.findall(text):
        result.coverage = f"cov {covs[-1][0]}, ft {covs[-1][1]}"
    if m := _RUNS.search(text):
        result.runs = int(m[1])
    elif counts := _FORK_RUNS.findall(text):  # -fork prints no final stats
        result.runs = int(counts[-1])
    result.reproducers = list(dict.fromkeys(_ARTIFACT.findall(text)))
    reasons = [m[1] for line in text.splitlines() if (m := _REASON.match(line))]
    result.reason = reasons[-1] if reasons else ""


def run_one(label: str, binary: pathlib.Path, seeds_binary: pathlib.Path | None, *,
            seconds: int, jobs: int) -> FuzzResult:
    work = FUZZ_DIR / name_of(label)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    (work / "artifacts").mkdir(exist_ok=True)
    corpora = [corpus]
    if seeds_binary:
        seeds = work / "seeds"
        shutil.rmtree(seeds, ignore_errors=True)
        seeds.mkdir()
        written = subprocess.run([str(seeds_binary), str(seeds)], capture_output=True,
                                 text=True, check=False)
        if written.returncode != 0:
            raise KxError(f"{seeds_binary.name} {seeds} failed (exit {written.returncode}):\n"
                          f"{written.stdout}{written.stderr}")
        corpora.append(seeds)
    corpora += testdata_dirs(label)
    log = work / "fuzz.log"
    cmd = command(binary, work, corpora, seconds=seconds, jobs=jobs)
    result = FuzzResult(label, None, log)
    start = time.monotonic()
    lines = []
    # cwd: -fork writes its per-job logs and temporary corpora to the working directory.
    # Own session: the watchdog and Ctrl-C stop the whole group, -fork's workers included.
    with open(log, "w") as out, subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT, text=True,
                                                 errors="replace",
                                                 start_new_session=True) as proc:
        hung = threading.Event()

        def kill() -> None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        def on_timer() -> None:
            hung.set()
            kill()

        # A watchdog, not a check per line: a hung fuzzer prints nothing.
        watchdog = threading.Timer(seconds + STOP_GRACE, on_timer)
        watchdog.start()
        out.write(" ".join(cmd) + "\n")
        try:
            for line in proc.stdout:
                out.write(line)
                lines.append(line)
                if _COV.search(line) and sys.stderr.isatty():
                    sys.stderr.write(f"\r\x1b[Kkx: {name_of(label)}: {line.strip()}"[:200])
            returncode = proc.wait()
        except BaseException:
            kill()
            raise
        finally:
            watchdog.cancel()
            if sys.stderr.isatty():
                sys.stderr.write("\r\x1b[K")
    result.seconds = time.monotonic() - start
    result.returncode = None if hung.is_set() else returncode
    parse_output("".join(lines), result)
    # -fork's workers each write theirs; only the parent's log names one of them.
    started = time.time() - result.seconds - 1
    fresh = sorted(str(p) for p in (work / "artifacts").iterdir() if p.stat().st_mtime >= started)
    result.reproducers = list(dict.fromkeys(result.reproducers + fresh))
    result.corpus = sum(1 for p in corpus.iterdir() if p.is_file())
    return result


def report(result: FuzzResult, binary: pathlib.Path) -> list[str]:
    name = result.label
    if result.returncode is None:
        return [f"FAIL {name}: did not stop within {STOP_GRACE} s of its time limit",
                f"       log: {result.log}"]
    if not result.crashed:
        return []
    lines = [f"CRASH {name}: {result.reason or f'fuzzer exited {result.returncode}'}"]
    for path in result.reproducers:
        lines += [f"       reproducer: {path}",
                  f"       reproduce:  {binary} {path}"]
    if not result.reproducers:
        lines.append("       (libFuzzer wrote no reproducer)")
    lines.append(f"       log: {result.log}")
    return lines


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.seconds < 1 or args.jobs < 1:
        raise KxError("--seconds and --jobs take positive numbers")
    deps.ensure(deps.FUZZ)
    fuzzers = query(QUERY_FUZZERS)
    if not fuzzers:
        raise KxError(f"no fuzz targets: bazel query '{QUERY_FUZZERS}' found none")
    if args.list:
        print("\n".join(fuzzers))
        return 0
    chosen = pick(fuzzers, args.target)
    all_seeds = query(QUERY_SEEDS)
    seeds = {f: seeds_target(f, all_seeds) for f in chosen}
    targets = chosen + [s for s in seeds.values() if s]
    status(f"building {len(chosen)} fuzzer(s) with coverage over their libraries "
           f"({' '.join(BUILD_FLAGS)})")
    bazel.build([*BUILD_FLAGS, *targets], quiet=True)
    info = bazel.bazel(["info", *BUILD_FLAGS, "bazel-bin"], capture=True)
    if info.returncode != 0:
        raise KxError(f"bazel info bazel-bin failed:\n{info.stderr.strip()}")
    bin_dir = pathlib.Path(info.stdout.strip())

    def path(label: str) -> pathlib.Path:
        return bin_dir / package_of(label) / name_of(label)

    failures = []
    print(f"{'target':<34} {'time':>6} {'runs':>12} {'coverage':>20} {'corpus':>7}  result")
    for label in chosen:
        status(f"fuzzing {label} for {args.seconds} s"
               + (f" with {args.jobs} jobs" if args.jobs > 1 else "")
               + (f", seeds from {seeds[label]}" if seeds[label] else ""))
        result = run_one(label, path(label), path(seeds[label]) if seeds[label] else None,
                         seconds=args.seconds, jobs=args.jobs)
        if result.edges is not None and result.edges < MIN_EDGES:
            status(f"warning: {label} has only {result.edges} instrumented edges: the code "
                   f"under test got no coverage instrumentation")
        verdict = ("ok" if not result.crashed else
                   "CRASH" if result.returncode is not None else "HUNG")
        runs = f"{result.runs:,}" if result.runs is not None else "-"
        print(f"{label:<34} {result.seconds:5.0f}s {runs:>12} {result.coverage or '-':>20} "
              f"{result.corpus:>7}  {verdict}", flush=True)
        failures += report(result, path(label))
    if failures:
        print("\n" + "\n".join(failures))
    crashed = sum(1 for line in failures if not line.startswith(" "))
    print(f"{len(chosen) - crashed} clean, {crashed} crashed or hung; corpora in {FUZZ_DIR}")
    return 1 if failures else 0
