#!/bin/sh
# Replay the conf.xml fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" conf
