#!/bin/sh
# Replay the time-format fuzz corpus (TAP on stdout).
exec "${top_builddir:-.}/tests/fuzz/fuzz_timeparse" "${top_srcdir:-.}/tests/fuzz/corpus/timeparse"
