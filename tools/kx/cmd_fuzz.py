"""`kx fuzz`: build keel's libFuzzer targets with coverage over all the code they test, run
each (or one) for a while from the corpus kept in the tree (tests/fuzz/corpus/<target>/),
the generated seeds and the inputs of earlier runs (out/fuzz/<target>/corpus/), then merge
what adds coverage into the tree's corpus (libFuzzer -merge=1; commit the new files).

  ./kx fuzz --list
  ./kx fuzz                               every *_fuzzer target, 60 s each
  ./kx fuzz allocator_fuzzer --seconds 600 --jobs 2
  ./kx fuzz --no-merge                    leave tests/fuzz/corpus/ alone

`./kx test` runs every target briefly from the tree's corpus only (smoke(), below).
"""

import argparse
import dataclasses
import importlib.util
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import bazel
import deps
from common import OUT, ROOT, KxError, status

HELP = "build the libFuzzer targets with full coverage and run them; report crashes"
FUZZ_DIR = OUT / "fuzz"
# The corpus kept in the tree, one directory per fuzzer (README.md there says how it is made).
CORPUS_DIR = ROOT / "tests" / "fuzz" / "corpus"
# Writes starting inputs for the fuzzers that have no C++ *_seeds binary.
SEED_SCRIPT = ROOT / "tests" / "fuzz" / "make_seeds.py"
# `./kx test`'s runs: a fresh scratch corpus and the crash inputs of each target.
SMOKE_DIR = OUT / "fuzz-test"
QUERY_FUZZERS = 'kind("cc_binary", attr(name, "_fuzzer$", //...))'
QUERY_SEEDS = 'kind("cc_binary", attr(name, "_seeds$", //...))'
# keel_fuzzer puts -fsanitize=fuzzer on the fuzzer's own sources only, so the libraries it
# tests would get no coverage feedback: instrument everything for these builds. The suffix
# gives them their own output tree, so `bazel test //...` keeps its cached objects.
# -O1: two to three times the executions of Bazel's default -O0 (the page-table and
# allocator fuzzers walk every structure after every step), as OSS-Fuzz builds do.
BUILD_FLAGS = ("--copt=-fsanitize=fuzzer-no-link", "--copt=-O1", "--platform_suffix=-fuzz")
# Fewer instrumented edges than this means the code under test was not instrumented.
MIN_EDGES = 100
# One input running longer than this is a finding (libFuzzer's default is 20 minutes).
INPUT_TIMEOUT = 30
# Extra flags when merging into the tree's corpus. The sanitizer fuzzer's hit-count features
# reward ever longer maps (hundreds of KB of 12 KB inputs for no new edge): merge it on
# edges alone, which keeps every edge in ~40 KB.
MERGE_FLAGS = {"memmap_sanitize_fuzzer": ("-use_counters=0",)}
STOP_GRACE = 120  # seconds past --seconds before a fuzzer that does not stop is killed


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kx fuzz", description=HELP)
    p.add_argument("target", nargs="?", help="a fuzzer's name or label (default: all)")
    p.add_argument("--seconds", type=int, default=60, metavar="N",
                   help="fuzzing time per target (default 60)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="parallel fuzzing processes per target (libFuzzer -fork=N)")
    p.add_argument("--list", action="store_true", help="list the fuzz targets and exit")
    p.add_argument("--no-merge", dest="merge", action="store_false",
                   help="do not merge new inputs into tests/fuzz/corpus/<target>/")
    p.add_argument("--minimize", action="store_true",
                   help="rewrite tests/fuzz/corpus/<target>/ as the smallest set of its "
                        "inputs, the seeds and the new ones that keeps all their coverage "
                        "(libFuzzer -set_cover_merge=1)")
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


def tree_corpus(fuzzer: str, corpus_dir: pathlib.Path | None = None) -> pathlib.Path:
    """tests/fuzz/corpus/<name>: the corpus kept in the tree."""
    return (corpus_dir or CORPUS_DIR) / name_of(fuzzer)


def files_in(directory: pathlib.Path) -> int:
    return sum(1 for p in directory.iterdir() if p.is_file()) if directory.is_dir() else 0


def testdata_dirs(fuzzer: str, root: pathlib.Path = ROOT) -> list[pathlib.Path]:
    """Checked-in seed corpora, if any: tests/fuzz/corpus/<name>, then
    <package>/{testdata,corpus,fuzz/corpus}/<name|stem>."""
    package = root / package_of(fuzzer)
    stem = name_of(fuzzer).removesuffix("_fuzzer")
    found = []
    tree = tree_corpus(fuzzer, root / "tests" / "fuzz" / "corpus")
    if files_in(tree):
        found.append(tree)
    for parent in ("testdata", "corpus", "fuzz/corpus"):
        for leaf in (name_of(fuzzer), stem):
            d = package / parent / leaf
            if d.is_dir() and any(d.iterdir()) and d not in found:
                found.append(d)
    return found


def script_seeds(fuzzer: str, out: pathlib.Path, script: pathlib.Path = SEED_SCRIPT) -> int:
    """Writes tests/fuzz/make_seeds.py's inputs for `fuzzer` into `out`; returns how many
    (0 if the script has none for it)."""
    spec = importlib.util.spec_from_file_location("make_seeds", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generate = module.GENERATORS.get(name_of(fuzzer))
    if generate is None:
        return 0
    seeds = generate(argparse.Namespace(e820=module.find_e820_dir()))
    for name, data in seeds.items():
        (out / f"seed-{name}").write_bytes(data)
    return len(seeds)


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
    new_inputs: int = 0  # smoke(): inputs with new coverage found this run (not kept)
    reproducers: list[str] = dataclasses.field(default_factory=list)
    reason: str = ""  # sanitizer / libFuzzer summary of a crash
    problem: str = ""  # why the fuzzer did not run (e.g. no corpus)

    @property
    def crashed(self) -> bool:
        return self.returncode != 0

    @property
    def verdict(self) -> str:
        if self.problem:
            return "NOT RUN"
        return "ok" if not self.crashed else "CRASH" if self.returncode is not None else "HUNG"


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
    """`./kx fuzz`'s run: new inputs go to out/fuzz/<target>/corpus, which persists; seeds
    (the *_seeds binary's and make_seeds.py's) and the tree's corpus are read only."""
    work = FUZZ_DIR / name_of(label)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    corpora = [corpus]
    seeds = work / "seeds"
    shutil.rmtree(seeds, ignore_errors=True)
    seeds.mkdir()
    if seeds_binary:
        written = subprocess.run([str(seeds_binary), str(seeds)], capture_output=True,
                                 text=True, check=False)
        if written.returncode != 0:
            raise KxError(f"{seeds_binary.name} {seeds} failed (exit {written.returncode}):\n"
                          f"{written.stdout}{written.stderr}")
    script_seeds(label, seeds)
    if files_in(seeds):
        corpora.append(seeds)
    corpora += testdata_dirs(label)
    result = run_fuzzer(label, binary, work, corpora, seconds=seconds, jobs=jobs)
    result.corpus = files_in(corpus)
    return result


def smoke(label: str, binary: pathlib.Path, *, seconds: int,
          corpus_dir: pathlib.Path | None = None, smoke_dir: pathlib.Path | None = None,
          progress: bool = False) -> FuzzResult:
    """`./kx test`'s run: `seconds` of fuzzing from the tree's corpus alone. New inputs go to
    a scratch directory emptied first; crash inputs to <smoke_dir>/<target>/artifacts/."""
    work = (smoke_dir or SMOKE_DIR) / name_of(label)
    scratch = work / "new"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    tree = tree_corpus(label, corpus_dir)
    if not files_in(tree):
        return FuzzResult(label, 1, work / "fuzz.log",
                          problem=f"no corpus: {tree} is missing or empty "
                                  f"(tests/fuzz/README.md says how to make one)")
    result = run_fuzzer(label, binary, work, [scratch, tree], seconds=seconds, jobs=1,
                        progress=progress)
    result.corpus = files_in(tree)
    result.new_inputs = files_in(scratch)
    return result


def run_fuzzer(label: str, binary: pathlib.Path, work: pathlib.Path,
               corpora: list[pathlib.Path], *, seconds: int, jobs: int,
               progress: bool = True) -> FuzzResult:
    """Runs libFuzzer for `seconds` in `work` (log, artifacts/) and parses what it printed."""
    (work / "artifacts").mkdir(parents=True, exist_ok=True)
    log = work / "fuzz.log"
    cmd = command(binary, work, corpora, seconds=seconds, jobs=jobs)
    result = FuzzResult(label, None, log)
    progress = progress and sys.stderr.isatty()
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
                if progress and _COV.search(line):
                    sys.stderr.write(f"\r\x1b[Kkx: {name_of(label)}: {line.strip()}"[:200])
            returncode = proc.wait()
        except BaseException:
            kill()
            raise
        finally:
            watchdog.cancel()
            if progress:
                sys.stderr.write("\r\x1b[K")
    result.seconds = time.monotonic() - start
    result.returncode = None if hung.is_set() else returncode
    parse_output("".join(lines), result)
    # -fork's workers each write theirs; only the parent's log names one of them.
    started = time.time() - result.seconds - 1
    fresh = sorted(str(p) for p in (work / "artifacts").iterdir() if p.stat().st_mtime >= started)
    result.reproducers = list(dict.fromkeys(result.reproducers + fresh))
    return result


def merge(label: str, binary: pathlib.Path, sources: list[pathlib.Path], *,
          minimize: bool = False, corpus_dir: pathlib.Path | None = None,
          log_dir: pathlib.Path | None = None) -> tuple[int, int]:
    """libFuzzer -merge=1: adds to the tree's corpus the inputs of `sources` that reach
    coverage it lacks, each named by its SHA-1. With `minimize`, rewrites the tree's corpus
    instead as the smallest set of its own and the sources' inputs with all their coverage
    (-set_cover_merge=1). Returns the corpus's file counts before and after."""
    tree = tree_corpus(label, corpus_dir)
    tree.mkdir(parents=True, exist_ok=True)
    before = files_in(tree)
    log = (log_dir or FUZZ_DIR / name_of(label)) / "merge.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    sources = [s for s in sources if files_in(s)]
    if minimize:
        output = tree.with_name(f".{tree.name}.minimized")
        shutil.rmtree(output, ignore_errors=True)
        output.mkdir()
        cmd = [str(binary), "-set_cover_merge=1", str(output), str(tree)]
    else:
        output = tree
        cmd = [str(binary), "-merge=1", str(tree)]
    cmd += [f"-timeout={INPUT_TIMEOUT}", *MERGE_FLAGS.get(name_of(label), ()),
            *map(str, sources)]
    # libFuzzer takes flags anywhere: keep them before the directories all the same.
    cmd = [cmd[0], *[c for c in cmd[1:] if c.startswith("-")],
           *[c for c in cmd[1:] if not c.startswith("-")]]
    with open(log, "w") as out:
        out.write(" ".join(cmd) + "\n")
        out.flush()
        done = subprocess.run(cmd, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT,
                              check=False)
    if done.returncode != 0 or (minimize and before and not files_in(output)):
        raise KxError(f"merging into {output} failed (exit {done.returncode}); log: {log}")
    if minimize:
        shutil.rmtree(tree)
        output.rename(tree)
    return before, files_in(tree)


def report(result: FuzzResult, binary: pathlib.Path) -> list[str]:
    name = result.label
    if result.problem:
        return [f"FAIL {name}: {result.problem}"]
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


def build(labels: list[str]) -> Callable[[str], pathlib.Path]:
    """Builds `labels` with coverage over their libraries; returns label → binary path."""
    bazel.build([*BUILD_FLAGS, *labels], quiet=True)
    info = bazel.bazel(["info", *BUILD_FLAGS, "bazel-bin"], capture=True)
    if info.returncode != 0:
        raise KxError(f"bazel info bazel-bin failed:\n{info.stderr.strip()}")
    bin_dir = pathlib.Path(info.stdout.strip())
    return lambda label: bin_dir / package_of(label) / name_of(label)


def fuzzer_labels() -> list[str]:
    fuzzers = query(QUERY_FUZZERS)
    if not fuzzers:
        raise KxError(f"no fuzz targets: bazel query '{QUERY_FUZZERS}' found none")
    return fuzzers


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.seconds < 1 or args.jobs < 1:
        raise KxError("--seconds and --jobs take positive numbers")
    deps.ensure(deps.FUZZ)
    fuzzers = fuzzer_labels()
    if args.list:
        print("\n".join(fuzzers))
        return 0
    chosen = pick(fuzzers, args.target)
    all_seeds = query(QUERY_SEEDS)
    seeds = {f: seeds_target(f, all_seeds) for f in chosen}
    targets = chosen + [s for s in seeds.values() if s]
    status(f"building {len(chosen)} fuzzer(s) with coverage over their libraries "
           f"({' '.join(BUILD_FLAGS)})")
    path = build(targets)

    failures = []
    merged = []
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
        runs = f"{result.runs:,}" if result.runs is not None else "-"
        print(f"{label:<34} {result.seconds:5.0f}s {runs:>12} {result.coverage or '-':>20} "
              f"{result.corpus:>7}  {result.verdict}", flush=True)
        failures += report(result, path(label))
        if (args.merge or args.minimize) and not result.crashed:
            work = FUZZ_DIR / name_of(label)
            before, after = merge(label, path(label), [work / "corpus", work / "seeds"],
                                  minimize=args.minimize)
            if after != before or args.minimize:
                merged.append(label)
            status(f"{tree_corpus(label).relative_to(ROOT)}: {before} → {after} files"
                   + (" (minimized)" if args.minimize else ""))
    if failures:
        print("\n" + "\n".join(failures))
    crashed = sum(1 for line in failures if not line.startswith(" "))
    print(f"{len(chosen) - crashed} clean, {crashed} crashed or hung; corpora in {FUZZ_DIR}")
    if merged:
        print(f"the tree's corpus changed: commit {CORPUS_DIR.relative_to(ROOT)}/ "
              f"(`git status {CORPUS_DIR.relative_to(ROOT)}`)")
    return 1 if failures else 0
