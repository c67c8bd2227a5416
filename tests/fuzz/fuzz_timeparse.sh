#!/bin/sh
# Replay the time-format fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" timeparse
