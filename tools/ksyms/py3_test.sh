#!/bin/sh
# Runs a Python 3 unittest file. (Bazel 4.2's py_test launcher runs `python`, which this
# host does not have; python3 is enough for a stdlib-only test.)
exec python3 "$@"
