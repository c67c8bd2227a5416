#!/bin/sh
# Replay the zone-name fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" dname
