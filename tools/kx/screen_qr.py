"""The benchmark report off a serial-less box, end to end: boot the UEFI ISO with a short
kbench run on a QEMU without its exit device (so keel, as on a real box, halts and shows
the results table and then the JSON report as QR codes on the framebuffer), take
screenshots through QEMU's monitor (`screendump`), decode them with zbarimg, reassemble the
pieces (bench_qr) and require the same report that keel sent on COM2, and a screenshot of
the results table (text, no QR code) among them."""

import dataclasses
import pathlib
import socket
import tempfile
import time

import bench_qr
import bench_report
import qemu

KERNEL_ARGS = ("kbench", "kbench.filter=mm/allocator/alloc_frame_level/1",
               "kbench.repetitions=1", "kbench.min_time_ms=1")
SHOWING = "kbench: showing the JSON report as"
TIMEOUT = 240.0  # seconds: OVMF under TCG, the run, and a few screenshots
# The framebuffer console's light grey text (kernel/fbcon); the QR codes stand on white.
TEXT_GREY = 0xc0


@dataclasses.dataclass
class ScreenResult:
    ok: bool
    why: str
    seconds: float
    log: pathlib.Path


def without_exit_device(cmd: list[str]) -> list[str]:
    """The QEMU command line minus isa-debug-exit: keel then ends as on a real box."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(cmd):
        if skip:
            skip = False
            continue
        if arg == "-device" and i + 1 < len(cmd) and cmd[i + 1].startswith("isa-debug-exit"):
            skip = True
            continue
        out.append(arg)
    return out


def results_table_page(ppm: bytes) -> bool:
    """A screendump (binary PPM) of a page of kbench's results table: grey text on black,
    without the white of the QR pages (nor a blank screen)."""
    parts = ppm.split(maxsplit=4)  # P6, width, height, maxval, pixels
    if len(parts) != 5 or parts[0] != b"P6" or parts[3] != b"255":
        return False
    pixels = parts[4]
    return bytes([TEXT_GREY]) in pixels and b"\xff" not in pixels


def _monitor(sock_path: pathlib.Path, command: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(sock_path))
        s.sendall(command.encode() + b"\n")
        time.sleep(0.3)  # let QEMU act before the monitor connection closes


def run(elf: pathlib.Path, log_dir: pathlib.Path, timeout: float = TIMEOUT) -> ScreenResult:
    start = time.monotonic()
    log_dir.mkdir(parents=True, exist_ok=True)
    com1 = log_dir / "screen-qr.com1.log"
    com2 = log_dir / "screen-qr.com2.log"
    for stale in (com1, com2):
        stale.unlink(missing_ok=True)
    boot = qemu.Boot("uefi")
    image = qemu.image_for(boot, elf, list(KERNEL_ARGS))
    with qemu.ovmf_vars(boot) as vars_copy, tempfile.TemporaryDirectory() as tmp:
        sock = pathlib.Path(tmp, "monitor.sock")
        cmd = without_exit_device(qemu.command(boot, image=image, kernel_args=list(KERNEL_ARGS),
                                               serial=f"file:{com1}", bench=com2,
                                               ovmf_vars=vars_copy))
        cmd += ["-monitor", f"unix:{sock},server,nowait"]
        proc = qemu.start(cmd)
        try:
            ok, why = _capture(proc, com1, com2, sock, pathlib.Path(tmp), start + timeout)
        finally:
            qemu.stop(proc)
    return ScreenResult(ok, why, time.monotonic() - start, com1)


def _capture(proc, com1: pathlib.Path, com2: pathlib.Path, sock: pathlib.Path,
             tmp: pathlib.Path, deadline: float) -> tuple[bool, str]:
    while SHOWING not in (com1.read_text(errors="replace") if com1.exists() else ""):
        if proc.poll() is not None:
            return False, f"QEMU exited (status {proc.returncode}) before keel showed the report"
        if time.monotonic() > deadline:
            return False, f"keel never said '{SHOWING}'"
        time.sleep(0.5)
    try:
        expected = bench_report.extract(com2.read_text(errors="replace"), str(com2))
    except bench_report.ReportError as e:
        return False, f"no report on COM2 to compare with: {e}"
    texts: list[tuple[str, str]] = []
    last_problem = "no screenshot decoded"
    table_seen = False  # keel shows the table's pages first, each for 10 s
    shot = 0
    while time.monotonic() < deadline:
        shot += 1
        path = tmp / f"screen-{shot}.ppm"
        _monitor(sock, f"screendump {path}")
        if path.exists():
            table_seen = table_seen or results_table_page(path.read_bytes())
            try:
                texts += [(f"{path.name} (code {i + 1})", t)
                          for i, t in enumerate(bench_qr.zbar_texts(path))]
                report = bench_report.extract(bench_qr.reassemble(texts), "the screen's QR codes")
            except bench_qr.PiecesError as e:  # a page still missing, or not yet drawn
                last_problem = str(e)
            else:
                if report != expected:
                    return False, "the report read off the screen differs from COM2's"
                if not table_seen:
                    return False, "no screenshot showed the results table before the QR codes"
                return True, f"ok ({shot} screenshot(s))"
        time.sleep(2.0)
    return False, f"the QR codes never made the whole report: {last_problem}"
