#!/bin/sh
# compile_commands.sh CFLAGS FILE... - write compile_commands.json for editors
# (clangd), from the same flags the Makefile uses.
flags="$1"; shift
dir=$(pwd)
echo "["
first=1
for f in "$@"; do
	[ $first -eq 1 ] || echo ","
	first=0
	printf '  { "directory": "%s", "file": "%s", "command": "%s -c %s" }' "$dir" "$f" "$flags" "$f"
done
echo
echo "]"
