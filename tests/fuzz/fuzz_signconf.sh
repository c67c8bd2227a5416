#!/bin/sh
# Replay the signconf (policy) fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" signconf
