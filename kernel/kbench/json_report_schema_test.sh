#!/usr/bin/env bash
# Usage: json_report_schema_test.sh SAMPLE_BINARY CHECK_SCRIPT
set -euo pipefail
"$1" > "${TEST_TMPDIR:-/tmp}/kbench_sample.json"
exec python3 -B "$2" "${TEST_TMPDIR:-/tmp}/kbench_sample.json"
