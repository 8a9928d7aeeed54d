"""Putting a kbench report back together from the QR codes keel draws on a serial-less box
(lib/qr/report_chunks.h): each code's text is a header line

    keel-bench <index>/<count> <report length> <crc32, 8 hex digits>

and a slice of the JSON. Texts come from files (what a phone's scanner app shares, one
code per file) or from images decoded with zbarimg (Debian zbar-tools); one image may hold
several codes (a photo of the screen)."""

import base64
import pathlib
import re
import subprocess
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Iterable

import bench_report
from common import KxError

HEADER = re.compile(r"keel-bench (\d+)/(\d+) (\d+) ([0-9a-f]{8})\n")
IMAGE_SUFFIXES = {".png", ".pgm", ".ppm", ".pnm", ".jpg", ".jpeg", ".gif", ".bmp", ".tif",
                  ".tiff", ".webp"}


class PiecesError(KxError):
    """The pieces do not make one whole report."""


def pieces_in(text: str) -> list[str]:
    """The pieces in one text: a scanned code, or several pasted one after another."""
    starts = [m.start() for m in HEADER.finditer(text)]
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def reassemble(texts: Iterable[tuple[str, str]]) -> str:
    """The report from (where, text) pairs. The same piece twice is fine; pieces of different
    reports, a piece scanned two different ways, or a missing piece are refused by name."""
    report_id = None
    pieces: dict[int, tuple[str, str]] = {}
    for where, text in texts:
        found = pieces_in(text.replace("\r\n", "\n"))
        if not found:
            raise PiecesError(f"{where}: not a keel-bench piece (no 'keel-bench N/M LENGTH "
                              f"CRC' line)")
        for piece in found:
            m = HEADER.match(piece)
            index, count, length, crc = int(m[1]), int(m[2]), int(m[3]), m[4]
            if not 1 <= index <= count:
                raise PiecesError(f"{where}: piece {index}/{count} is out of range")
            this_id = (count, length, crc)
            if report_id is None:
                report_id = this_id
                first = where
            elif this_id != report_id:
                raise PiecesError(
                    f"{where}: piece {index}/{count} belongs to another report (length "
                    f"{length}, crc {crc}; {first} has {report_id[1]}, {report_id[2]} in "
                    f"{report_id[0]} pieces)")
            body = piece[m.end():]
            if index in pieces and pieces[index][1] != body:
                raise PiecesError(f"{where}: piece {index}/{count} differs from the one in "
                                  f"{pieces[index][0]}")
            pieces[index] = (where, body)
    if report_id is None:
        raise PiecesError("no pieces given")
    count, length, crc = report_id
    missing = [i for i in range(1, count + 1) if i not in pieces]
    if missing:
        raise PiecesError(f"missing piece{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(map(str, missing))} of {count}")
    text = "".join(pieces[i][1] for i in range(1, count + 1))
    data = text.encode()
    if len(data) != length or f"{zlib.crc32(data):08x}" != crc:
        raise PiecesError(f"the {count} pieces join into {len(data)} bytes with crc "
                          f"{zlib.crc32(data):08x}, but their headers say {length} bytes, crc "
                          f"{crc}: a piece was misread")
    return text


def zbar_texts(image: pathlib.Path) -> list[str]:
    """Every QR code's text in one image, through `zbarimg --xml`."""
    try:
        result = subprocess.run(["zbarimg", "-q", "--xml", str(image)], capture_output=True,
                                text=True, check=False)
    except FileNotFoundError:
        raise KxError("zbarimg not found: install Debian's zbar-tools") from None
    if result.returncode == 4:  # zbarimg: no symbol found
        raise PiecesError(f"{image}: zbarimg found no QR code in it")
    if result.returncode != 0:
        raise KxError(f"zbarimg {image} failed (exit {result.returncode}): "
                      f"{result.stderr.strip()}")
    texts = []
    root = ElementTree.fromstring(result.stdout)
    for symbol in root.iter():
        if not symbol.tag.endswith("symbol") or symbol.get("type") != "QR-Code":
            continue
        data = next((e for e in symbol if e.tag.endswith("data")), None)
        if data is None or data.text is None:
            continue
        if data.get("format") == "base64":
            texts.append(base64.b64decode(data.text).decode("utf-8", "replace"))
        else:
            texts.append(data.text)
    return texts


def report_from_files(paths: Iterable[pathlib.Path]) -> tuple[dict, str]:
    """The report (parsed, checked) and its JSON text from text files and images."""
    texts = []
    for path in paths:
        if not path.is_file():
            raise KxError(f"--from-qr {path}: no such file")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            texts.extend((f"{path} (code {i + 1})", t) for i, t in enumerate(zbar_texts(path)))
        else:
            texts.append((str(path), path.read_text(errors="replace")))
    text = reassemble(texts)
    return bench_report.extract(text, "the reassembled QR pieces"), text
