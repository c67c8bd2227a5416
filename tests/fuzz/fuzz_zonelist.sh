#!/bin/sh
# Replay the zonelist.xml fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" zonelist
