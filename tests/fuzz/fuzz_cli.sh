#!/bin/sh
# Replay the ods-ksmutil command-line fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" cli
