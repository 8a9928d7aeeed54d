"""One QEMU run of keel: `boot()` starts QEMU for a qemu.Boot and stops it when the `with`
block ends, however it ends (QEMU exited, a timeout, an exception, Ctrl-C). While QEMU
runs, the session follows COM1's log (`wait_for`, `wait`), and optionally QEMU's monitor
(`monitor`) or COM1's input (`type`).

    with qemu_session.boot(boot, image=image, kernel_args=args, serial=com1, bench=com2,
                           output=qemu_txt) as session:
        if session.wait_for("keel: ready", timeout=60):
            ...
    session.status, session.seconds, session.describe_end()
"""

import codecs
import contextlib
import os
import pathlib
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import qemu
from common import KxError, tail

POLL_SECONDS = 0.1  # how often a follower looks at the log file
STOP_GRACE_SECONDS = 5.0  # SIGTERM, then this long before SIGKILL


class SerialLog:
    """A serial port's log file, read while QEMU writes it: each read returns the lines
    completed since the last one; the line still being written stays in `tail`."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.tail = ""
        self._offset = 0
        # A UTF-8 character split across two reads must not decode as two bad ones.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def read_lines(self) -> list[str]:
        """The newly completed lines, without their `\\r\\n`."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:  # QEMU has not created it yet
            return []
        self._offset += len(data)
        text = self.tail + self._decoder.decode(data).replace("\r", "")
        *lines, self.tail = text.split("\n")
        return lines

    def text(self) -> str:
        """The whole log as written so far."""
        return self.path.read_text(errors="replace") if self.path.exists() else ""


_running: set["Session"] = set()  # for stop_all()
_running_lock = threading.Lock()


class Session:
    """A started QEMU; see boot(). COM1 goes to `serial.path`, or to the terminal (serial
    is None: an interactive run)."""

    def __init__(self, cmd: Sequence[str], *, serial: SerialLog | None,
                 output: pathlib.Path | None, keyboard: bool = False,
                 monitor: pathlib.Path | None = None):
        self.cmd = list(cmd)
        self.serial = serial
        self.output = output
        self.monitor_socket = monitor
        self.interactive = serial is None
        self.timed_out_after: float | None = None  # set when a wait's timeout passed
        self._stopped = False  # kx ended QEMU (it did not exit by itself)
        self._ended: float | None = None
        # Interactive runs share the terminal (Ctrl-C reaches QEMU); the others get their own
        # session, so that neither Ctrl-C nor a kill at a timeout leaves part of QEMU behind.
        if keyboard:
            stdin = subprocess.PIPE
        elif self.interactive:
            stdin = None  # the terminal's
        else:
            stdin = subprocess.DEVNULL
        with contextlib.ExitStack() as files:
            out = files.enter_context(open(output, "w")) if output else None
            # With a keyboard, COM1 is QEMU's stdio: its output is the serial log.
            com1 = files.enter_context(open(serial.path, "w")) if keyboard else out
            try:
                self.proc = subprocess.Popen(self.cmd, stdin=stdin, stdout=com1, stderr=out,
                                             start_new_session=not self.interactive)
            except OSError as e:
                missing = isinstance(e, FileNotFoundError)
                hint = " (Debian package qemu-system-x86)" if missing else ""
                raise KxError(f"cannot start QEMU ({self.cmd[0]}): {e.strerror}{hint}") from None
        self.started = time.monotonic()
        with _running_lock:
            _running.add(self)

    # ---- how it ended ----

    @property
    def exited(self) -> bool:
        """QEMU exited by itself (not stopped by kx)."""
        return self._reap(0) and not self._stopped

    @property
    def status(self) -> int | None:
        """QEMU's exit status (qemu.TESTS_PASSED, ...); None while it runs, or when kx
        stopped it."""
        return self.proc.returncode if self.exited else None

    @property
    def seconds(self) -> float:
        """Host wall time from QEMU's start to its end (or to now, while it runs)."""
        return (self._ended if self._reap(0) else time.monotonic()) - self.started

    def describe_end(self) -> str:
        if self.timed_out_after is not None and not self.exited:
            return f"timed out after {self.timed_out_after:g} s"
        if self.status is None:
            return "stopped by kx" if self._stopped else "still running"
        meaning = qemu.describe_exit(self.status)
        if self.status not in qemu.EXIT_MEANING and (said := self.qemu_said(1)):
            meaning += f": {said}"  # e.g. QEMU refusing an option
        return meaning

    def qemu_said(self, lines: int = 10) -> str:
        """The end of QEMU's own output (its errors and warnings)."""
        if self.output is None or not self.output.exists():
            return ""
        return tail(self.output.read_text(errors="replace"), lines)

    # ---- following COM1 ----

    def wait_for(self, wanted: str | re.Pattern[str], *, timeout: float | None,
                 on_line: Callable[[str], None] = lambda line: None) -> str | None:
        """Follows COM1, calling on_line with each line, until a line contains `wanted` (a
        text, or a pattern found with search()); returns that line. None if QEMU exited
        first or `timeout` seconds passed; QEMU then still runs until the session ends.
        The line being written counts too: a halted kernel's last words, or a menu drawn
        with cursor moves, may never end their line."""
        found = wanted.search if isinstance(wanted, re.Pattern) else lambda line: wanted in line
        return self._follow(found, timeout, on_line)

    def wait(self, *, timeout: float | None,
             on_line: Callable[[str], None] = lambda line: None) -> int | None:
        """Follows COM1 (if it goes to a file) until QEMU exits: its exit status, or None
        when QEMU was stopped at `timeout` seconds."""
        # kx outlives a Ctrl-C meant for an interactive QEMU, to report how QEMU ended.
        ignoring = signal.signal(signal.SIGINT, signal.SIG_IGN) if self.interactive else None
        try:
            self._follow(lambda line: False, timeout, on_line)
        finally:
            if self.interactive:
                signal.signal(signal.SIGINT, ignoring)
        if not self.exited:
            self.stop()
        return self.status

    def _follow(self, found: Callable[[str], object], timeout: float | None,
                on_line: Callable[[str], None]) -> str | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            exited = self._reap(0)  # before reading: the last bytes are then in the file
            for line in self.serial.read_lines() if self.serial else ():
                on_line(line)
                if found(line):
                    return line
            if exited:  # QEMU wrote its last: an unfinished line is finished
                last = self.serial.tail if self.serial else ""
                if last:
                    self.serial.tail = ""
                    on_line(last)
                return last if last and found(last) else None
            if self.serial and self.serial.tail and found(self.serial.tail):
                return self.serial.tail
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self.timed_out_after = timeout
                return None
            # Waiting on the process, not sleeping: its end is seen (and timed) at once.
            self._reap(POLL_SECONDS if left is None else min(POLL_SECONDS, left))

    # ---- talking to QEMU ----

    def type(self, text: str) -> None:
        """Sends `text` to COM1 (a session started with keyboard=True)."""
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def monitor(self, command: str) -> None:
        """Runs one QEMU monitor command (a session started with monitor=True)."""
        if self.monitor_socket is None:
            raise ValueError("this session was started without a monitor")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.monitor_socket))
            s.sendall(command.encode() + b"\n")
            time.sleep(0.3)  # let QEMU act before the monitor connection closes

    # ---- ending it ----

    def stop(self) -> None:
        """Ends QEMU if it still runs. SIGTERM first: QEMU then restores the terminal it
        put in raw mode for -serial stdio."""
        if not self._reap(0):
            self._stopped = True
            self._signal(signal.SIGTERM)
            if not self._reap(STOP_GRACE_SECONDS):
                self._signal(signal.SIGKILL)
                self._reap(None)
        if self.proc.stdin:
            self.proc.stdin.close()

    def _reap(self, timeout: float | None) -> bool:
        """Whether QEMU has ended, waiting up to `timeout` seconds for it (None: forever)."""
        if self._ended is None:
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            self._ended = time.monotonic()
            with _running_lock:
                _running.discard(self)
        return True

    def _signal(self, sig: int) -> None:
        try:
            if self.interactive:
                self.proc.send_signal(sig)
            else:  # the leader of its own process group
                os.killpg(self.proc.pid, sig)
        except ProcessLookupError:  # already gone: stop_all() and the owner can race
            pass


@contextlib.contextmanager
def boot(boot: qemu.Boot, *, image: pathlib.Path, kernel_args: Sequence[str],
         serial: pathlib.Path | None, bench: pathlib.Path, output: pathlib.Path | None = None,
         exit_device: bool = True, monitor: bool = False, keyboard: bool = False,
         display: bool = False, gdb: bool = False,
         qemu_binary: str = qemu.QEMU) -> Iterator[Session]:
    """Boots `image` (qemu.image_for) under QEMU for the `with` block, and stops QEMU at its
    end. serial: COM1's log file, followed by the session; None puts COM1 on this terminal
    (interactive: Ctrl-C goes to QEMU). bench: COM2's file. output: QEMU's own messages.
    keyboard: COM1 also takes input (Session.type). monitor: a QEMU monitor
    (Session.monitor). Logs left by an earlier run are removed first, so that a QEMU that
    fails to start cannot leave them looking like its own."""
    for stale in (serial, bench, output):
        if stale is not None:
            stale.unlink(missing_ok=True)
    with contextlib.ExitStack() as cleanup:
        vars_copy = cleanup.enter_context(qemu.ovmf_vars(boot))
        com1 = "stdio" if serial is None or keyboard else f"file:{serial}"
        cmd = qemu.command(boot, image=image, kernel_args=kernel_args, serial=com1, bench=bench,
                           ovmf_vars=vars_copy, display=display, gdb=gdb,
                           exit_device=exit_device, qemu=qemu_binary)
        socket_path = None
        if monitor:
            tmp = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="kx-monitor-"))
            socket_path = pathlib.Path(tmp, "monitor.sock")
            cmd += ["-monitor", f"unix:{socket_path},server,nowait"]
        session = Session(cmd, serial=SerialLog(serial) if serial else None, output=output,
                          keyboard=keyboard, monitor=socket_path)
        try:
            yield session
        finally:
            session.stop()


def stop_all() -> None:
    """Stops every QEMU still running (kx interrupted while sessions run in threads)."""
    with _running_lock:
        sessions = list(_running)
    for session in sessions:
        session.stop()
