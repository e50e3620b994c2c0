#!/bin/sh
# CTest example_<name>: runs inputs/<name>.yaml on 2 ranks, as its header says, then checks what its
# result file must hold (check_example.py).
# Usage: run_example.sh NAME RESULT_FILE MPIRUN... (the command, without -output_file)
set -e
name=$1 result=$2
shift 2
rm -f "$result"
"$@" -output_file "$result" -log_level warning
exec /usr/bin/python3 "$(dirname "$0")/check_example.py" "$name" "$result"
