#!/usr/bin/env bash
# grade.sh - grade a lab in this tree, the way xv6's grade scripts do: each
# graded test with its points, then "Score: N/M"; exit status 0 only at
# full marks (docs/labs/README.md).
#
#   scripts/grade.sh [--until-fail] [NAME...]
#       NAME...: the labs to grade; default: the lab this tree was made
#       for (.lab, written by `make lab`), else every lab with tests.
#       --until-fail: run the cases one run.sh name at a time, in the
#       order of labs.txt, and stop at the first that loses points (the
#       rest score 0, "NOT RUN"): one lost point proves a stripped tree
#       below full marks (tests/run.sh's lab step), at the cost of one
#       short test instead of the whole list.
#
# What grades a lab is in docs/labs/labs.txt ("test NAME POINTS CASE"): the
# cases are run by tests/run.sh (TESTS= the regex of their names) after
# the kernel, the initramfs and the host tests they need are built.
# Environment: GRADE_LOG=FILE scores run.sh's output already in FILE
# instead of running it; GRADE_QUIET=1 prints only the scores.
set -u
cd "$(dirname "$0")/.." || exit 2
LABS_TXT=docs/labs/labs.txt
OUT=build/grade
mkdir -p "$OUT"

until_fail=0
if [ "${1:-}" = --until-fail ]; then
	until_fail=1
	shift
fi
labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
	if [ -f .lab ]; then
		read -r l <.lab
		labs=("$l")
	else
		mapfile -t labs < <(awk '$1 == "lab" { print $2 }' "$LABS_TXT")
	fi
fi

# score LAB LOG QUIET RAN CASE...: each "POINTS CASE" with its points.  A
# case earns its points when run.sh printed a line for it in LOG ("ok -
# CASE", "ok - CASE: ...", "ok - CASE (...)") and every such line is a
# plain ok.  RAN: the run.sh names that ran, space-separated, or "*" for
# all (the others' cases are "NOT RUN": --until-fail stopped before
# them).  The last line: "SCORE GOT MAX RUNMAX", RUNMAX the points of the
# cases that ran.
score() {
	local lab=$1 log=$2 quiet=$3 ran=$4
	shift 4
	printf '%s\n' "$@" | awk -v lab="$lab" -v quiet="$quiet" -v ran="$ran" '
		BEGIN { nr = split(ran, r, " "); for (i = 1; i <= nr; i++) didrun[r[i]] = 1 }
		FNR == NR { pts[NR] = $1; c = $0; sub(/^[^ ]+ /, "", c); name[NR] = c; n = NR
			c2 = c; sub(/:.*/, "", c2); notrun[NR] = ran != "*" && !(c2 in didrun); next }
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
				max += pts[i]; got += ok ? pts[i] : 0; runmax += notrun[i] ? 0 : pts[i]
				if (quiet != 1) printf "%s: %-58s %s (%d pts)\n", lab, name[i], ok ? "OK  " : (seen[i] ? "FAIL" : (notrun[i] ? "NOT RUN" : "MISSING")), ok ? pts[i] : 0
			}
			printf "SCORE %d %d %d\n", got, max, runmax
		}' - "$log"
}

# run_name CASE: the tests/run.sh name that runs CASE (up to its ":").
run_name() { local c=${1#* }; printf '%s\n' "${c%%:*}"; }

# names_regex NAME...: TESTS= for exactly those run.sh names.
names_regex() {
	printf '%s\n' "$@" | sort -u | awk '{ gsub(/[.]/, "[.]"); r = r (NR > 1 ? "|" : "") $0 } END { print "^(" r ")$" }'
}

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
	ran="*"
	if [ -z "${GRADE_LOG:-}" ]; then
		# The run.sh names to select (each case up to its ":"), in order.
		mapfile -t names < <(for c in "${cases[@]}"; do run_name "$c"; done | awk '!seen[$0]++')
		regex=$(names_regex "${names[@]}")
		hosts=$(printf '%s\n' "${cases[@]}" | sed -n 's|^[0-9]* host/\([a-z0-9_]*\).*|build/host/\1|p' | sort -u)
		if [ "$until_fail" = 1 ]; then
			echo "$lab: building, then running tests/run.sh for each of ${names[*]} until one loses points"
		else
			echo "$lab: building, then running tests/run.sh with TESTS='$regex'"
		fi
		: >"$log"
		# The kernel and the initramfs (each boot makes the ISO of its own
		# command line: the default ISO would be a grub-mkrescue for nothing).
		# shellcheck disable=SC2086
		if ! make -s --no-print-directory -j"$(nproc)" kernel initramfs $hosts >"$OUT/$lab.build.log" 2>&1; then
			tail -30 "$OUT/$lab.build.log"
			echo "$lab: the tree does not build (above; $OUT/$lab.build.log): no test runs"
		elif [ "$until_fail" = 0 ]; then
			TESTS=$regex bash tests/run.sh >"$log" 2>&1
		else
			ran=""
			for n in "${names[@]}"; do
				TESTS=$(names_regex "$n") bash tests/run.sh >>"$log" 2>&1
				ran="$ran $n"
				read -r _ got _ runmax < <(score "$lab" "$log" 1 "$ran" "${cases[@]}" | grep '^SCORE ')
				[ "$got" -lt "$runmax" ] && break # a point lost: below full marks
			done
		fi
	fi
	result=$(score "$lab" "$log" "${GRADE_QUIET:-0}" "$ran" "${cases[@]}")
	printf '%s\n' "$result" | grep -v '^SCORE '
	read -r _ got max _ < <(printf '%s\n' "$result" | grep '^SCORE ')
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
