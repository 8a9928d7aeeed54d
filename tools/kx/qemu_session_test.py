import pathlib
import re
import signal
import tempfile
import time
import unittest

import qemu
import qemu_session
from common import KxError

FAKE_QEMU = str(pathlib.Path(__file__).parent / "testdata" / "fake_qemu_session.py")


def gone(pid: int) -> bool:
    """The process ends within a few seconds (a zombie no one reaped yet counts as ended):
    a signal to a process group is delivered to each member in its own time."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        time.sleep(0.05)
    return False


class SessionTest(unittest.TestCase):
    """Boots testdata/fake_qemu_session.py, which plays its kernel arguments as a script."""

    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp())
        self.com1, self.com2 = self.dir / "com1.log", self.dir / "com2.log"
        self.output = self.dir / "qemu.txt"

    def boot(self, *script: str, **kw):
        return qemu_session.boot(qemu.Boot("pvh"), image=self.dir / "keel.elf",
                                 kernel_args=script, serial=self.com1, bench=self.com2,
                                 output=self.output, qemu_binary=FAKE_QEMU, **kw)

    def pid(self) -> int:
        """The fake QEMU's pid, which it writes first thing."""
        deadline = time.monotonic() + 10
        while not (self.com2.exists() and self.com2.read_text().endswith("\n")):
            self.assertLess(time.monotonic(), deadline, "the fake QEMU did not start")
            time.sleep(0.05)
        return int(self.com2.read_text())

    def test_exit_status_and_every_line(self):
        lines = []
        with self.boot("say=one", "say=two", "part=no_newline", "exit=35") as session:
            self.assertEqual(session.wait(timeout=20, on_line=lines.append), qemu.TESTS_FAILED)
            session.wait(timeout=20, on_line=lines.append)  # nothing more to follow
        self.assertEqual(lines, ["one", "two", "no newline"])
        self.assertEqual(session.status, 35)
        self.assertTrue(session.exited)
        self.assertEqual(session.describe_end(), "tests failed")
        self.assertEqual(session.serial.text(), "one\ntwo\nno newline")

    def test_wait_for_returns_the_line_and_qemu_is_stopped_after(self):
        start = time.monotonic()
        with self.boot("say=booting", "say=keel:_halted:_no_NX", "sleep=60") as session:
            self.assertEqual(session.wait_for("halted", timeout=20), "keel: halted: no NX")
            self.assertIsNone(session.status)  # still running
            pid = self.pid()
        self.assertLess(time.monotonic() - start, 15)
        self.assertTrue(gone(pid))
        self.assertIsNone(session.status)
        self.assertEqual(session.describe_end(), "stopped by kx")
        self.assertEqual(qemu_session._running, set())

    def test_wait_for_a_pattern_in_the_unfinished_line(self):
        pattern = re.compile(r"Press (\w+)")
        with self.boot("say=menu", "part=Press_t_to_test", "sleep=60") as session:
            self.assertEqual(session.wait_for(pattern, timeout=20), "Press t to test")

    def test_wait_for_gives_up_when_qemu_exits(self):
        with self.boot("say=hello", "exit=37") as session:
            self.assertIsNone(session.wait_for("never", timeout=20))
            self.assertEqual(session.status, qemu.PANIC)
            self.assertEqual(session.describe_end(), "kernel panic")

    def test_wait_for_times_out_and_qemu_is_killed(self):
        with self.boot("say=hello", "sleep=60") as session:
            self.assertIsNone(session.wait_for("never", timeout=0.5))
            pid = self.pid()
        self.assertTrue(gone(pid))
        self.assertIsNone(session.status)
        self.assertEqual(session.describe_end(), "timed out after 0.5 s")

    def test_wait_times_out(self):
        with self.boot("sleep=60") as session:
            self.assertIsNone(session.wait(timeout=0.5))
            self.assertTrue(gone(self.pid()))
        self.assertEqual(session.describe_end(), "timed out after 0.5 s")

    def test_qemu_is_stopped_with_its_children(self):
        with self.boot("child", "sleep=60") as session:
            child = int(session.wait_for("child:", timeout=20).split()[1])
            self.assertIsNone(session.wait(timeout=0.5))
        self.assertTrue(gone(child))

    def test_an_exception_in_the_block_stops_qemu(self):
        for error in (RuntimeError, KeyboardInterrupt):
            with self.subTest(error.__name__):
                with self.assertRaises(error), self.boot("say=x", "sleep=60") as session:
                    session.wait_for("x", timeout=20)
                    pid = self.pid()
                    raise error()
                self.assertTrue(gone(pid))
                self.assertEqual(qemu_session._running, set())

    def test_wall_time_ends_when_qemu_exits(self):
        with self.boot("sleep=0.5", "exit=0") as session:
            session.wait(timeout=20)
            at_exit = session.seconds
            time.sleep(0.5)  # not counted
        self.assertGreaterEqual(at_exit, 0.5)
        self.assertEqual(session.seconds, at_exit)
        self.assertEqual(session.describe_end(), "guest powered off or reset")

    def test_qemu_refusing_to_start_says_why(self):
        with self.boot("complain=qemu:_-m_12Q:_invalid_size", "exit=1") as session:
            self.assertEqual(session.wait(timeout=20), 1)
        self.assertEqual(session.describe_end(),
                         "unexpected exit (QEMU status 1): qemu: -m 12Q: invalid size")

    def test_a_missing_qemu_is_named(self):
        with self.assertRaisesRegex(KxError, r"cannot start QEMU \(/nonexistent/qemu\): .*"
                                             r"qemu-system-x86"):
            with qemu_session.boot(qemu.Boot("pvh"), image=self.dir / "keel.elf",
                                   kernel_args=[], serial=self.com1, bench=self.com2,
                                   qemu_binary="/nonexistent/qemu"):
                pass

    def test_stale_logs_go_first(self):
        for path in (self.com1, self.com2, self.output):
            path.write_text("from an earlier run\n")
        with self.boot("exit=0") as session:
            session.wait(timeout=20)
        self.assertEqual(self.com1.read_text(), "")
        self.assertEqual(self.output.read_text(), "")

    def test_keyboard_types_on_com1(self):
        with self.boot("say=ready", "echo", "sleep=60", keyboard=True) as session:
            self.assertEqual(session.wait_for("ready", timeout=20), "ready")
            session.type("t\n")
            self.assertEqual(session.wait_for("got:", timeout=20), "got: t")

    def test_monitor_is_a_unix_socket_option(self):
        with self.boot("exit=0", monitor=True) as session:
            self.assertEqual(session.cmd[-2], "-monitor")
            self.assertRegex(session.cmd[-1], r"^unix:.*/monitor\.sock,server,nowait$")
            session.wait(timeout=20)
        with self.boot("exit=0") as session, self.assertRaises(ValueError):
            session.monitor("screendump x.ppm")

    def test_stop_all_ends_every_session(self):
        with self.boot("sleep=60") as first:
            pid = self.pid()
            qemu_session.stop_all()
            self.assertTrue(gone(pid))
            self.assertFalse(first.exited)


class InteractiveTest(unittest.TestCase):
    def test_an_interactive_run_has_no_log_to_follow(self):
        ours = signal.getsignal(signal.SIGINT)
        session = qemu_session.Session(["sh", "-c", "sleep 0.3; exit 33"], serial=None,
                                       output=None)
        self.assertEqual(session.wait(timeout=20), qemu.TESTS_PASSED)
        # Ctrl-C is QEMU's only while kx waits for it.
        self.assertIs(signal.getsignal(signal.SIGINT), ours)


class SerialLogTest(unittest.TestCase):
    def test_lines_arrive_as_written(self):
        path = pathlib.Path(tempfile.mkdtemp(), "com1.log")
        log = qemu_session.SerialLog(path)
        self.assertEqual(log.read_lines(), [])  # not created yet
        euro = "€".encode()
        with open(path, "wb", buffering=0) as f:
            f.write(b"a\r\nb" + euro[:1])
            self.assertEqual(log.read_lines(), ["a"])
            self.assertEqual(log.tail, "b")
            f.write(euro[1:] + b"\r\n")
            self.assertEqual(log.read_lines(), ["b€"])
            self.assertEqual(log.tail, "")


if __name__ == "__main__":
    unittest.main()
