#!/bin/sh
# Replay the kasp.xml fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" kasp
