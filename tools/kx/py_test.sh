#!/usr/bin/env bash
# Runs one Python unittest file with Debian's python3. Bazel 4.2's py_test stub starts with
# `#!/usr/bin/env python`, which Debian 12 does not ship, and a python3 toolchain would have
# to be registered in WORKSPACE; an sh_test around python3 needs neither.
set -euo pipefail
exec python3 -B "$1"
