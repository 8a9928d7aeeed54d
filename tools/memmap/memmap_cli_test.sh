#!/bin/bash
# End-to-end checks of the memmap tool: exact JSON output on the shared sample maps and on
# dmesg logs full of unrelated lines, the text report, and exit codes on bad input.
set -u

memmap=tools/memmap/memmap
data=tools/memmap/testdata
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_json INPUT GOLDEN: --json output equals the golden file exactly, exit 0.
expect_json() {
  local out rc
  out=$("$memmap" "$data/$1" --json 2>/dev/null)
  rc=$?
  [[ $rc -eq 0 ]] || fail "$1: exit $rc, want 0"
  [[ "$out" == "$(cat "$data/$2")" ]] || fail "$1: JSON differs from $2:"$'\n'"$out"
}

# expect_error INPUT MESSAGE: exit 2 and stderr contains MESSAGE.
expect_error() {
  local err rc
  err=$("$memmap" "$data/$1" --json 2>&1 >/dev/null)
  rc=$?
  [[ $rc -eq 2 ]] || fail "$1: exit $rc, want 2"
  [[ "$err" == *"$2"* ]] || fail "$1: stderr '$err' lacks '$2'"
}

expect_json qemu-ovmf-128m-kostr-lesson12.json qemu-ovmf-128m-kostr-lesson12.expected.json
expect_json qemu-ovmf-128m-kostr-lesson11-efi.json qemu-ovmf-128m-kostr-lesson11-efi.expected.json
expect_json dmesg-seabios-pc-6g.txt dmesg-seabios-pc-6g.expected.json
expect_json dmesg-old-format.txt dmesg-old-format.expected.json
expect_json dmesg-efi.txt dmesg-efi.expected.json

# Every form Linux prints the same map in reads to the same golden map: the shared OVMF
# sample as a current kernel's dmesg with log levels (e820) and as efi=debug prints the raw
# EFI map (named form); the SeaBIOS map in the 2025 format (sizes, gaps, new names) and
# under the Xen: name followed by Linux's edited tables (user:, reserve setup_data:), which
# must not be used.
expect_json dmesg-ovmf-128m-lesson12.txt qemu-ovmf-128m-kostr-lesson12.expected.json
expect_json dmesg-ovmf-128m-lesson11-efi.txt qemu-ovmf-128m-kostr-lesson11-efi.expected.json
expect_json dmesg-seabios-pc-6g-2025-format.txt dmesg-seabios-pc-6g.expected.json
expect_json dmesg-xen-edited-tables.txt dmesg-seabios-pc-6g.expected.json

# The e820 and the raw EFI view of the same VM sanitize to the same map.
cmp -s "$data/qemu-ovmf-128m-kostr-lesson12.expected.json" \
  "$data/qemu-ovmf-128m-kostr-lesson11-efi.expected.json" || fail "OVMF e820 and EFI views differ"

# A spot check of the golden content itself, independent of the tool.
grep -q '{"base":0,"end":651264,"type":"usable"}' "$data/dmesg-seabios-pc-6g.expected.json" ||
  fail "golden: 0x9fbff must be trimmed to 0x9f000"
grep -q '"max_usable_end":7516192768,"meta":{"slots":1835008,"backed_bytes":100663296}}' \
  "$data/dmesg-seabios-pc-6g.expected.json" || fail "golden: 6G plan"

expect_error dmesg-bad-line.txt \
  "line 3: bad address: [    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x00000000000fzzzz] reserved"
expect_error dmesg-no-usable.txt "NoUsableMemory"
expect_error dmesg-no-map-lines.txt "no memory-map lines found"

# A wrapping entry is the same policy as at boot: dropped (usable) with a warning naming its
# line, not a parse error.
err=$("$memmap" "$data/dmesg-wrap.txt" --json 2>&1 >/dev/null)
[[ $? -eq 0 ]] || fail "dmesg-wrap.txt: want exit 0"
[[ "$err" == *"memmap: warning: line 3: entry 1 usable [0x200000, 2^64 + 0x100000): runs past 2^64; usable RAM with a broken length is not trusted, ignored"* ]] ||
  fail "dmesg-wrap.txt warning: '$err'"

# Edited tables are reported as ignored in the text report.
text=$("$memmap" "$data/dmesg-xen-edited-tables.txt")
for want in "firmware map: 8 entries (e820, from Xen)" \
  "  (2 user: lines ignored: a later table, not the firmware's)" \
  "  (2 reserve setup_data: lines ignored: a later table, not the firmware's)"; do
  [[ "$text" == *"$want"* ]] || fail "edited-tables report lacks: $want"
done

# Warnings go to stderr in JSON mode, so stdout stays one JSON object.
err=$("$memmap" "$data/dmesg-seabios-pc-6g.txt" --json 2>&1 >/dev/null)
[[ "$err" == "memmap: warning: line 4: entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)" ]] ||
  fail "JSON-mode warning: '$err'"

# The text report: the table, the plan and the warnings.
text=$("$memmap" "$data/dmesg-seabios-pc-6g.txt")
[[ $? -eq 0 ]] || fail "text mode exit status"
for want in \
  "warnings: 1" \
  "  line 4: entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)" \
  "  0x0000000100000000  0x00000001c0000000       3 GiB  usable" \
  "metadata: 1835008 slots, 96 MiB backed in 2 stretches, 16 MiB saved by sparse backing, overhead 1.56% of usable" \
  "  +0x4000000..+0x7000000 (   48 MiB) slots of frames [0x100000000, 0x1c0000000)"; do
  [[ "$text" == *"$want"* ]] || fail "text report lacks: $want"
done

# stdin, a smaller CPU, and usage errors.
out=$(printf 'BIOS-e820: [mem 0x0-0x7fffffff] usable\nBIOS-e820: [mem 0x100000000-0x17fffffff] usable\n' |
  "$memmap" - --json --phys-bits 32 2>/dev/null)
[[ "$out" == '{"regions":[{"base":0,"end":2147483648,"type":"usable"}],"usable_bytes":2147483648,"max_usable_end":2147483648,"meta":{"slots":524288,"backed_bytes":33554432}}' ]] ||
  fail "stdin with --phys-bits 32: $out"
"$memmap" >/dev/null 2>&1
[[ $? -eq 1 ]] || fail "no arguments: want exit 1"
"$memmap" "$data/does-not-exist" >/dev/null 2>&1
[[ $? -eq 1 ]] || fail "missing file: want exit 1"
"$memmap" "$data/dmesg-efi.txt" --bogus >/dev/null 2>&1
[[ $? -eq 1 ]] || fail "unknown flag: want exit 1"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all memmap CLI checks passed"
