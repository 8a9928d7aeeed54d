"""The benchmark report off a serial-less box, end to end: boot the UEFI ISO with a short
kbench run on a QEMU without its exit device (so keel, as on a real box, halts and shows
the results table and then the JSON report as QR codes on the framebuffer), take
screenshots through QEMU's monitor (`screendump`), decode them with zbarimg, reassemble the
pieces (bench_qr) and require the same report that keel sent on COM2, and a screenshot of
the results table (text, no QR code) among them."""

import dataclasses
import pathlib
import tempfile
import time

import bench_qr
import bench_report
import qemu
import qemu_session

KERNEL_ARGS = ("kbench", "kbench.filter=mm.allocator.alloc_frame_level/1",
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


def results_table_page(ppm: bytes) -> bool:
    """A screendump (binary PPM) of a page of kbench's results table: grey text on black,
    without the white of the QR pages (nor a blank screen)."""
    parts = ppm.split(maxsplit=4)  # P6, width, height, maxval, pixels
    if len(parts) != 5 or parts[0] != b"P6" or parts[3] != b"255":
        return False
    pixels = parts[4]
    return bytes([TEXT_GREY]) in pixels and b"\xff" not in pixels


def run(elf: pathlib.Path, log_dir: pathlib.Path, timeout: float = TIMEOUT) -> ScreenResult:
    start = time.monotonic()
    log_dir.mkdir(parents=True, exist_ok=True)
    com1 = log_dir / "screen-qr.com1.log"
    com2 = log_dir / "screen-qr.com2.log"
    boot = qemu.Boot("uefi")
    image = qemu.image_for(boot, elf, list(KERNEL_ARGS))
    # Without the exit device keel ends as on a real box: it halts showing the QR codes.
    with qemu_session.boot(boot, image=image, kernel_args=list(KERNEL_ARGS), serial=com1,
                           bench=com2, output=log_dir / "screen-qr.qemu.txt", exit_device=False,
                           monitor=True) as session, tempfile.TemporaryDirectory() as tmp:
        ok, why = _capture(session, com2, pathlib.Path(tmp), start + timeout)
    return ScreenResult(ok, why, time.monotonic() - start, com1)


def _capture(session: qemu_session.Session, com2: pathlib.Path, tmp: pathlib.Path,
             deadline: float) -> tuple[bool, str]:
    if session.wait_for(SHOWING, timeout=deadline - time.monotonic()) is None:
        if session.exited:
            return False, f"QEMU ended before keel showed the report: {session.describe_end()}"
        return False, f"keel never said '{SHOWING}'"
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
        session.monitor(f"screendump {path}")
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
