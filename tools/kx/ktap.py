"""Parser for the KTAP v1 output of keel's in-kernel tests (`ktest` on the command line).

Follows Linux's Documentation/dev-tools/ktap.rst as read by `kunit.py parse`: nested
tests are indented by 4 spaces per level, `# Subtest: NAME` names a nested block, and
`# ` lines are diagnostics. The serial log also carries firmware, GRUB and kernel log
lines (with `\\r` and terminal escapes), so any line that is not KTAP is skipped.

Every leaf test counts as one test. A result the plan promises but the log never shows
is a failure named `<missing #k>` in its parent (e.g. `mm.memmap/<missing #2>`).
"""

from __future__ import annotations

import dataclasses
import re

PASS, FAIL, SKIP, MISSING = "PASS", "FAIL", "SKIP", "MISSING"

_ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INDENT = 4

_VERSION = re.compile(r"(?:K?TAP) version (\d+)$")
_PLAN = re.compile(r"1\.\.(\d+)$")
_RESULT = re.compile(r"(ok|not ok) (\d+)(?: (?:- )?([^#]*?))?\s*(?:#\s*(.*))?$")
_SUBTEST = re.compile(r"# Subtest: (.+)$")
_SUITE_COUNTS = re.compile(r"# (.+): pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)$")
_TOTALS = re.compile(r"# Totals: pass:(\d+) fail:(\d+) skip:(\d+)$")
_DIAGNOSTIC = re.compile(r"#(?: .*)?$")


@dataclasses.dataclass
class Test:
    number: int
    name: str
    status: str
    directive: str = ""
    # `# ` lines between this result and the next (the KTAP spec's place for them), and
    # those between the previous result and this one (where KUnit prints expectations).
    diagnostics: list[str] = dataclasses.field(default_factory=list)
    leading: list[str] = dataclasses.field(default_factory=list)
    # None for a leaf; a list (maybe empty) when the test had a nested KTAP block.
    subtests: list[Test] | None = None


@dataclasses.dataclass
class Report:
    tests: list[Test]
    errors: list[str]  # structural problems: each makes the run fail

    def leaves(self) -> list[tuple[str, Test]]:
        """Every leaf test with its `/`-joined path, in log order."""
        out: list[tuple[str, Test]] = []
        _collect_leaves(self.tests, "", out)
        return out

    def count(self, *statuses: str) -> int:
        return sum(1 for _, t in self.leaves() if t.status in statuses)

    @property
    def passed(self) -> int:
        return self.count(PASS)

    @property
    def failed(self) -> int:
        return self.count(FAIL, MISSING)

    @property
    def skipped(self) -> int:
        return self.count(SKIP)

    def failures(self) -> list[tuple[str, Test]]:
        return [(path, t) for path, t in self.leaves() if t.status in (FAIL, MISSING)]


def _collect_leaves(tests: list[Test], prefix: str, out: list[tuple[str, Test]]) -> None:
    for t in tests:
        path = prefix + t.name
        if t.subtests is None:
            out.append((path, t))
        else:
            _collect_leaves(t.subtests, path + "/", out)


@dataclasses.dataclass
class _Block:
    """The inside of one KTAP document or nested subtest, while it is being read."""

    depth: int
    name: str = ""
    version: bool = False
    plan: int | None = None
    tests: list[Test] = dataclasses.field(default_factory=list)
    # A nested block that ended (dedent) and waits for its result line at this depth.
    pending: _Block | None = None
    since_result: list[str] = dataclasses.field(default_factory=list)  # `# ` lines
    counts: tuple[int, int, int] | None = None  # pass, fail, skip as the log claims
    errors: list[str] = dataclasses.field(default_factory=list)


def clean_line(raw: str) -> str:
    """Strips terminal escapes, `\\r` and other control bytes that serial logs carry."""
    return _CONTROL.sub("", _ESCAPES.sub("", raw)).rstrip()


def parse(text: str) -> Report:
    stack = [_Block(depth=0)]
    errors: list[str] = []
    seen_ktap = False
    for raw in text.split("\n"):
        line = clean_line(raw)
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if not body or indent % _INDENT or not _is_ktap(body):
            continue
        seen_ktap = True
        depth = indent // _INDENT
        while stack[-1].depth > depth:
            _close_child(stack, errors)
        if stack[-1].depth < depth:
            _flush_pending(stack[-1], _prefix(stack), errors)
            stack.append(_Block(depth=depth))
        _feed(stack[-1], body)
    while len(stack) > 1:
        _close_child(stack, errors)
    root = stack[0]
    _flush_pending(root, "", errors)
    if not seen_ktap:
        return Report([], ["no KTAP output in the log (did the kernel run its tests?)"])
    if not root.version:
        errors.append("no 'KTAP version 1' line before the results")
    _finish(root, "", errors)
    return Report(root.tests, errors)


def _is_ktap(body: str) -> bool:
    return any(p.match(body) for p in (_VERSION, _PLAN, _RESULT, _DIAGNOSTIC))


def _feed(block: _Block, body: str) -> None:
    if m := _VERSION.match(body):
        if m.group(1) != "1":
            block.errors.append(f"unsupported KTAP version {m.group(1)}")
        block.version = True
    elif m := _PLAN.match(body):
        if block.tests:
            block.errors.append("plan line after test results")
        block.plan = int(m.group(1))
    elif m := _RESULT.match(body):
        _add_result(block, m)
    elif m := _SUBTEST.match(body):
        block.name = m.group(1)
    elif m := _TOTALS.match(body):
        block.counts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif (m := _SUITE_COUNTS.match(body)) and m.group(1) == block.name:
        block.counts = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    else:
        block.since_result.append(body)
        if block.tests and block.pending is None:
            block.tests[-1].diagnostics.append(body)


def _add_result(block: _Block, m: re.Match[str]) -> None:
    ok, number = m.group(1) == "ok", int(m.group(2))
    name, directive = m.group(3) or "", m.group(4) or ""
    if block.plan is None and not block.errors:
        block.errors.append("test results before the plan line")
    if number != len(block.tests) + 1:
        block.errors.append(f"result #{number} out of order (expected #{len(block.tests) + 1})")
    if directive.upper().startswith("SKIP"):
        status = SKIP
    else:
        status = PASS if ok else FAIL
    test = Test(number, name or f"#{number}", status, directive, leading=block.since_result)
    block.since_result = []
    child = block.pending
    if child is not None:
        block.pending = None
        if child.name and name and child.name != name:
            block.errors.append(f"result '{name}' closes subtest '{child.name}'")
        test.subtests = child.tests
        _check_parent_result(test, block)
    block.tests.append(test)


def _check_parent_result(test: Test, block: _Block) -> None:
    """A nested block's result must agree with its children's results."""
    if test.status == SKIP:
        return
    child_failed = any(t.status in (FAIL, MISSING) for t in test.subtests or [])
    if test.status == PASS and child_failed:
        block.errors.append(f"'{test.name}' reported ok but has failing subtests")
    elif test.status == FAIL and not child_failed:
        block.errors.append(f"'{test.name}' reported not ok but none of its subtests failed")


def _close_child(stack: list[_Block], errors: list[str]) -> None:
    prefix = _prefix(stack)
    child = stack.pop()
    _flush_pending(child, prefix, errors)
    _finish(child, prefix, errors)
    parent = stack[-1]
    _flush_pending(parent, _prefix(stack), errors)
    parent.pending = child


def _prefix(stack: list[_Block]) -> str:
    """The path of the innermost block, as a prefix for error messages."""
    return "".join((b.name or "?") + "/" for b in stack[1:])


def _flush_pending(block: _Block, prefix: str, errors: list[str]) -> None:
    """A nested block with no result line (crash, truncated log) is a failed test."""
    child = block.pending
    if child is None:
        return
    block.pending = None
    number = len(block.tests) + 1
    name = child.name or f"<missing #{number}>"
    errors.append(f"{prefix}{name}: no result line (log truncated or kernel crashed?)")
    block.tests.append(Test(number, name, MISSING, subtests=child.tests))


def _finish(block: _Block, prefix: str, errors: list[str]) -> None:
    """Validates a closed block against its plan and claimed counts."""
    errors.extend(_at(prefix, e) for e in block.errors)
    if block.plan is None:
        if block.tests:
            errors.append(_at(prefix, "no plan line ('1..N')"))
    elif len(block.tests) > block.plan:
        errors.append(_at(prefix, f"{len(block.tests)} results but the plan says {block.plan}"))
    else:
        for k in range(len(block.tests) + 1, block.plan + 1):
            block.tests.append(Test(k, f"<missing #{k}>", MISSING))
    if block.counts is not None:
        report = Report(block.tests, [])
        actual = (report.passed, report.failed, report.skipped)
        if actual != block.counts:
            claimed = "pass:{} fail:{} skip:{}".format(*block.counts)
            found = "pass:{} fail:{} skip:{}".format(*actual)
            errors.append(_at(prefix, f"summary says {claimed} but the results give {found}"))


def _at(prefix: str, message: str) -> str:
    return f"{prefix[:-1]}: {message}" if prefix else message
