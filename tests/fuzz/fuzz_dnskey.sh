#!/bin/sh
# Replay the DNSKEY/DS fuzz corpus (TAP on stdout).
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus" dnskey
