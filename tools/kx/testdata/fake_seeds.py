#!/usr/bin/env python3
"""Stands in for a *_fuzz_seeds binary: writes two seed files into the directory given."""

import pathlib
import sys

for i in range(2):
    pathlib.Path(sys.argv[1], f"seed_{i}").write_bytes(bytes([i]))
