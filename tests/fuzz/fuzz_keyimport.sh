#!/bin/sh
# Replay the key import argument fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" keyimport
