#!/usr/bin/env bash
# Runs an l0svgd command that must fail cleanly: non-zero exit, one "l0svgd: error:" line containing the
# expected text, and no file at the output path (nor its temporary).
# Usage: expect_failure.sh <expected text> <output path> <command...>
set -u
expected="$1"; output="$2"; shift 2
rm -f "$output" "$output".*tmp
stderr=$(mktemp)
"$@" > /dev/null 2> "$stderr"
code=$?
status=0
if [ "$code" -eq 0 ]; then echo "FAIL: exit code 0, expected non-zero"; status=1; fi
lines=$(grep -c "^l0svgd: error:" "$stderr")
if [ "$lines" -ne 1 ]; then echo "FAIL: $lines error lines, expected exactly one"; status=1; fi
if ! grep -q -- "$expected" "$stderr"; then echo "FAIL: message does not contain '$expected'"; status=1; fi
if [ -e "$output" ]; then echo "FAIL: output file $output exists"; status=1; fi
if compgen -G "$output.*tmp" > /dev/null; then echo "FAIL: temporary $(compgen -G "$output.*tmp") left"; status=1; fi
echo "--- stderr:"; cat "$stderr"; rm -f "$stderr"
exit $status
