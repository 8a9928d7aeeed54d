#!/bin/bash
# Encodes payloads with qr_render and decodes them with zbarimg: every level and mask,
# sizes from 1 byte to version 40's capacity, and a report split into numbered pieces.
set -euo pipefail
render="$1"
if ! command -v zbarimg >/dev/null; then
  echo "FAIL: zbarimg not found: install Debian's zbar-tools (./kx test does)" >&2
  exit 1
fi
work="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

check() {  # check NAME RENDER_ARGS...: renders $work/NAME.txt and decodes it back
  local name="$1"; shift
  "$render" "$@" "$work/$name.txt" "$work/$name" >"$work/$name.info"
  # zbarimg --raw ends every symbol with a newline.
  if ! zbarimg -q --raw "$work/$name.pgm" 2>/dev/null | head -c -1 | cmp -s - "$work/$name.txt"; then
    echo "FAIL: $name ($(cat "$work/$name.info")) does not decode to its payload" >&2
    failures=$((failures + 1))
  else
    echo "ok: $(cat "$work/$name.info")"
  fi
}

payload() {  # payload NAME BYTES: printable, varied text (JSON-like)
  python3 - "$2" >"$work/$1.txt" <<'PY'
import random, sys
n = int(sys.argv[1]); rng = random.Random(n)
alphabet = '{}[]":,.-_ 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/\n'
sys.stdout.write(''.join(rng.choice(alphabet) for _ in range(n)))
PY
}

# Every mask at each level, on payloads that land in versions 1, 2, 7 and 10 (the first
# with version information, the first with 16-bit counts).
for level in L M Q H; do
  for mask in 0 1 2 3 4 5 6 7; do
    for size in 5 20 100 200; do
      payload "m-$level-$mask-$size" "$size"
      check "m-$level-$mask-$size" --ecc "$level" --mask "$mask"
    done
  done
done
# Sizes across the version range with the automatic mask and level.
for size in 1 17 18 500 1000 1500 2000 2500 2953; do
  payload "s-$size" "$size"
  check "s-$size" --ecc L
done
# Non-ASCII bytes survive too (zbarimg prints them as they are when they are UTF-8).
printf 'keel \xc3\xa9t\xc3\xa9 \xe2\x9c\x93' >"$work/utf8.txt"
check utf8

# A report split into pieces comes back in order with consistent headers.
payload report 3000
"$render" --chunk 700 "$work/report.txt" "$work/report" >/dev/null
pieces=$(ls "$work"/report-*.pgm | wc -l)
if [[ "$pieces" != 5 ]]; then
  echo "FAIL: a 3000-byte report in 700-byte slices made $pieces pieces, expected 5" >&2
  failures=$((failures + 1))
fi
for i in 1 2 3 4 5; do
  zbarimg -q --raw "$work/report-00$i.pgm" 2>/dev/null | head -c -1 >"$work/piece-$i.txt"
done
if ! python3 - "$work" <<'PY'
import pathlib, re, sys, zlib
work = pathlib.Path(sys.argv[1])
report = (work / "report.txt").read_bytes()
joined = b""
for i in range(1, 6):
    header, _, body = (work / f"piece-{i}.txt").read_bytes().partition(b"\n")
    want = f"keel-bench {i}/5 {len(report)} {zlib.crc32(report):08x}".encode()
    if header != want:
        sys.exit(f"FAIL: piece {i} header {header!r}, expected {want!r}")
    joined += body
if joined != report:
    sys.exit("FAIL: the pieces do not join back into the report")
PY
then
  failures=$((failures + 1))
fi

echo "$failures failures"
[[ $failures == 0 ]]
