#!/usr/bin/env bash
# grade.sh - grade a lab in this tree, the way xv6's grade scripts do: each
# graded test with its points, then "Score: N/M"; exit status 0 only at
# full marks (docs/labs/README.md).
#
#   scripts/grade.sh [NAME...]   the labs to grade; default: the lab this
#                                tree was made for (.lab, written by
#                                `make lab`), else every lab with tests
#
# What grades a lab is in docs/labs/labs.txt ("test NAME POINTS CASE"): the
# cases are run by tests/run.sh (TESTS= the regex of their names) after
# `make all` and the host tests they need are built.  Environment:
# GRADE_LOG=FILE scores run.sh's output already in FILE instead of running
# it (tests/run.sh's lab step); GRADE_QUIET=1 prints only the scores.
set -u
cd "$(dirname "$0")/.."
LABS_TXT=docs/labs/labs.txt
OUT=build/grade
mkdir -p "$OUT"

labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
	if [ -f .lab ]; then
		read -r l <.lab
		labs=("$l")
	else
		mapfile -t labs < <(awk '$1 == "lab" { print $2 }' "$LABS_TXT")
	fi
fi

total_all=0
max_all=0
for lab in "${labs[@]}"; do
	awk -v n="$lab" '$1 == "lab" && $2 == n { f = 1 } END { exit !f }' "$LABS_TXT" ||
		{ echo "grade: no lab '$lab' in $LABS_TXT" >&2; exit 2; }
	# "POINTS CASE" lines of this lab
	mapfile -t cases < <(awk -v n="$lab" '$1 == "test" && $2 == n { c = $0; sub(/^[^ ]+ +[^ ]+ +[^ ]+ +/, "", c); print $3, c }' "$LABS_TXT")
	if [ ${#cases[@]} -eq 0 ]; then
		echo "$lab: no graded tests yet (docs/labs/labs.txt)"
		continue
	fi
	log=${GRADE_LOG:-$OUT/$lab.log}
	start=$(date +%s)
	if [ -z "${GRADE_LOG:-}" ]; then
		# The run.sh names to select: each case up to its ":".
		regex=$(printf '%s\n' "${cases[@]}" | awk '{ sub(/^[^ ]+ /, ""); sub(/:.*/, ""); print }' | sort -u |
			awk '{ gsub(/[.]/, "[.]"); r = r (NR > 1 ? "|" : "") $0 } END { print "^(" r ")$" }')
		hosts=$(printf '%s\n' "${cases[@]}" | sed -n 's|^[0-9]* host/\([a-z0-9_]*\).*|build/host/\1|p' | sort -u)
		echo "$lab: building, then running tests/run.sh with TESTS='$regex'"
		# shellcheck disable=SC2086
		if ! make -s --no-print-directory -j"$(nproc)" all $hosts >"$OUT/$lab.build.log" 2>&1; then
			tail -30 "$OUT/$lab.build.log"
			echo "$lab: the tree does not build (above; $OUT/$lab.build.log): no test runs"
			: >"$log"
		else
			TESTS=$regex bash tests/run.sh >"$log" 2>&1
		fi
	fi
	# A case earns its points when run.sh printed a line for it ("ok - CASE",
	# "ok - CASE: ...", "ok - CASE (...)") and every such line is a plain ok.
	result=$(printf '%s\n' "${cases[@]}" | awk -v lab="$lab" -v quiet="${GRADE_QUIET:-0}" '
		FNR == NR { pts[NR] = $1; c = $0; sub(/^[^ ]+ /, "", c); name[NR] = c; n = NR; next }
		/^(not )?ok - / {
			bad = /^not ok - / || / # SKIP /
			t = $0; sub(/^(not )?ok - /, "", t)
			for (i = 1; i <= n; i++) {
				if (index(t, name[i]) != 1) continue
				rest = substr(t, length(name[i]) + 1)
				if (rest != "" && rest !~ /^[: ]/) continue
				seen[i] = 1
				if (bad) failed[i] = 1
			}
		}
		END {
			for (i = 1; i <= n; i++) {
				ok = seen[i] && !failed[i]
				max += pts[i]; got += ok ? pts[i] : 0
				if (quiet != 1) printf "%s: %-58s %s (%d pts)\n", lab, name[i], ok ? "OK  " : (seen[i] ? "FAIL" : "MISSING"), ok ? pts[i] : 0
			}
			printf "SCORE %d %d\n", got, max
		}' - "$log")
	printf '%s\n' "$result" | grep -v '^SCORE '
	read -r _ got max < <(printf '%s\n' "$result" | grep '^SCORE ')
	if [ -z "${GRADE_LOG:-}" ]; then
		grep '^not ok' "$log" | head -10 | sed 's/^/    # /'
		echo "$lab: $(($(date +%s) - start)) s; run.sh's output in $log"
	fi
	echo "$lab: Score: $got/$max"
	total_all=$((total_all + got))
	max_all=$((max_all + max))
done
[ ${#labs[@]} -gt 1 ] && echo "Score: $total_all/$max_all"
[ "$total_all" -eq "$max_all" ] && [ "$max_all" -gt 0 ]
