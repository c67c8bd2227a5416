#!/bin/sh
# Replay the duration fuzz corpus (TAP on stdout).
exec "${top_builddir:-.}/tests/fuzz/fuzz_duration" "${top_srcdir:-.}/tests/fuzz/corpus/duration"
