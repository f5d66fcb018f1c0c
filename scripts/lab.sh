#!/usr/bin/env bash
# lab.sh - the course labs' markers: check them, and write a student tree
# in which a lab's code is replaced by stubs (docs/labs/README.md).
#
#   scripts/lab.sh check            every marker well formed, balanced, naming
#                                   a lab of docs/labs/labs.txt; exit 1 if not
#   scripts/lab.sh list             the labs in order, with their marked functions
#   scripts/lab.sh make NAME [DIR]  write the tree for lab NAME (default
#                                   build/lab-NAME): its regions become stubs;
#                                   LATER=stub: those of every later lab too;
#                                   LAB_SEED_BUILD=0: no copy of build/;
#                                   LAB_GIT=0: no git repository in it
#
# A region is the lines between "/* LAB(name) begin: contract */" and
# "/* LAB(name) end */", each alone on its line, in a .c or .h file.  The
# files are found by searching the tree, never listed here.  Only bash, awk
# and coreutils (plus git when the tree is a checkout): no python on a fresh
# Debian.
set -eu
cd "$(dirname "$0")/.."
LABS_TXT=docs/labs/labs.txt

die() { echo "lab: $*" >&2; exit 2; }

# The labs in order, one per line: "NAME HANDOUT".
lab_order() { awk '$1 == "lab" { print $2, $3 }' "$LABS_TXT"; }

# The source files of the tree (tracked ones in a checkout).
source_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- '*.c' '*.h' | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
	else
		find . -path ./build -prune -o \( -name '*.c' -o -name '*.h' \) -type f -print | sed 's|^\./||' | sort
	fi
}

# The files that hold a marker (or something that tries to be one).
marked_files() { source_files | tr '\n' '\0' | xargs -0 -r grep -l -E '/\*[[:space:]]*LAB[[:space:]]*\(' || true; }

# The awk that reads markers.  For each file it checks the markers
# (errors as "FILE:LINE: message", to stderr), and with strip="a b ..."
# writes the file with those labs' function bodies replaced by stubs.
# hints[FUNC] comes from the handouts given before the sources.
# shellcheck disable=SC2016
AWK_LABS='
function err(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; nerr++ }
# The braces of a line, outside comments, strings and character literals.
function braces(s,    out, i, c, n) {
	out = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (incomment) { if (substr(s, i, 2) == "*/") { incomment = 0; i++ } continue }
		if (substr(s, i, 2) == "/*") { incomment = 1; i++; continue }
		if (substr(s, i, 2) == "//") break
		if (c == "\"" || c == "\x27") { # skip the literal
			for (i++; i <= n && substr(s, i, 1) != c; i++)
				if (substr(s, i, 1) == "\\") i++
			continue
		}
		if (c == "{" || c == "}") out = out c
	}
	return out
}
function depth_after(s,    b, i) {
	b = braces(s)
	for (i = 1; i <= length(b); i++) depth += substr(b, i, 1) == "{" ? 1 : -1
}
# Handouts: "### `... name(...)`" starts the hints of function name.
FILENAME ~ /\.md$/ {
	if ($0 ~ /^#/) {
		hfunc = ""; hblank = 0
		if ($0 ~ /^### `/) {
			t = $0; sub(/^### `/, "", t); sub(/`.*/, "", t)
			if (match(t, /[A-Za-z_][A-Za-z0-9_]*\(/)) hfunc = substr(t, RSTART, RLENGTH - 1)
			else hfunc = t
		}
		next
	}
	if (hfunc != "") {
		line = $0; gsub(/\*\//, "* /", line)
		if (line == "") { if (hints[hfunc] != "") hblank = 1; next } # blank lines only between text
		hints[hfunc] = hints[hfunc] (hblank ? "\t *\n" : "") "\t * " line "\n"; hblank = 0
	}
	next
}
FNR == 1 { if (open != "") err_eof(); open = ""; depth = 0; incomment = 0; nfunc = 0 }
function err_eof() { printf "%s: region LAB(%s) begun at line %d never ends\n", prevfile, open, openline > "/dev/stderr"; nerr++ }
{ prevfile = FILENAME }
# A marker, or a line that looks like one and is not.
/\/\*[[:space:]]*LAB[[:space:]]*\(/ {
	if ($0 ~ /^[ \t]*\/\* LAB\([a-z][a-z0-9_]*\) begin: [^ ].* \*\/[ \t]*$/) {
		name = $0; sub(/^[ \t]*\/\* LAB\(/, "", name); sub(/\).*/, "", name)
		contract = $0; sub(/^[^:]*: /, "", contract); sub(/ \*\/[ \t]*$/, "", contract)
		if (!(name in known)) err("LAB(" name "): no such lab in docs/labs/labs.txt")
		if (open != "") err("LAB(" name ") begins inside LAB(" open "), begun at line " openline)
		else if (depth != 0) err("LAB(" name ") begins inside a function or a block")
		open = name; openline = FNR; nfunc = 0
		print
		if (open in stripset) stripping = 1
		next
	}
	if ($0 ~ /^[ \t]*\/\* LAB\([a-z][a-z0-9_]*\) end \*\/[ \t]*$/) {
		name = $0; sub(/^[ \t]*\/\* LAB\(/, "", name); sub(/\).*/, "", name)
		if (open == "") err("LAB(" name ") ends, but no region is open")
		else if (name != open) err("LAB(" name ") ends region LAB(" open "), begun at line " openline)
		else if (depth != 0) err("LAB(" name ") ends inside a function or a block")
		else if (nfunc == 0) err("region LAB(" name ") holds no function")
		else { funcs[open] = funcs[open] (lastfile[open] == FILENAME ? "" : " " FILENAME ":") fnames; lastfile[open] = FILENAME }
		open = ""; stripping = 0; fnames = ""
		print
		next
	}
	if ($0 !~ /LAB\([a-z][a-z0-9_]*\): /) # a stub'"'"'s own comment is fine
		err("malformed LAB marker (want \"/* LAB(name) begin: contract */\" or \"/* LAB(name) end */\", alone on the line)")
}
# A function definition starts in a region: "{" alone (kernel style) or
# "...) {" at depth 0.
open != "" && depth == 0 && ($0 ~ /^\{[ \t]*$/ || ($0 !~ /=/ && $0 ~ /\)[ \t]*\{/)) {
	nfunc++
	fname = sig
	if (sameline = ($0 !~ /^\{/)) fname = $0
	if (match(fname, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
		fname = substr(fname, RSTART, RLENGTH - 1); sub(/[ \t]+$/, "", fname)
	} else fname = "?"
	fnames = fnames " " fname
	isvoid = sigtype ~ /(^|[ \t])void[ \t]*$/
	if (sameline) { sigtype = $0; sub(/[A-Za-z_][A-Za-z0-9_]*[ \t]*\(.*/, "", sigtype); isvoid = sigtype ~ /(^|[ \t])void[ \t]*$/ }
	depth_after($0)
	if (!stripping) { print; next }
	if (sameline) { head = $0; sub(/[ \t]*\{.*/, "", head); print head }
	print "{"
	printf "\t/* LAB(%s): write %s() - docs/labs/%s.\n", open, fname, handout[open]
	printf "\t * Contract: %s\n", contract
	if (fname in hints) { printf "\t *\n%s", hints[fname] }
	print "\t */"
	printf "\tBUG_ON(\"LAB(%s): %s() is not written yet\");\n", open, fname
	if (!isvoid) print "\treturn 0;"
	if (depth == 0) { print "}"; next }
	skipping = 1
	next
}
skipping {
	depth_after($0)
	if (depth == 0) { skipping = 0; print "}" }
	next
}
{
	# Track the signature: the text of a definition up to its "(" line.
	if (open != "" && depth == 0) {
		if ($0 ~ /^[A-Za-z_]/ && $0 ~ /\(/) { sig = $0; sigtype = $0; sub(/[A-Za-z_][A-Za-z0-9_]*[ \t]*\(.*/, "", sigtype) }
	}
	depth_after($0)
	print
}
END {
	if (open != "") err_eof()
	if (listfile != "") for (l in funcs) printf "%s%s\n", l, funcs[l] > listfile
	exit nerr ? 1 : 0
}'

# run_awk STRIP LISTFILE FILE...: the awk over the handouts and FILEs.
run_awk() {
	local strip=$1 listfile=$2
	shift 2
	local known="" handouts="" n h
	while read -r n h; do
		known="$known $n=$h"
		[ -f "docs/labs/$h" ] && handouts="$handouts docs/labs/$h"
	done < <(lab_order)
	# shellcheck disable=SC2086
	awk -v known_s="$known" -v strip_s="$strip" -v listfile="$listfile" '
		BEGIN { n = split(known_s, k, " "); for (i = 1; i <= n; i++) { split(k[i], p, "="); known[p[1]] = 1; handout[p[1]] = p[2] }
			n = split(strip_s, s, " "); for (i = 1; i <= n; i++) stripset[s[i]] = 1 }
		'"$AWK_LABS" $handouts "$@"
}

cmd_check() {
	[ -f "$LABS_TXT" ] || die "no $LABS_TXT"
	local files list=${1:-/dev/null}
	mapfile -t files < <(marked_files)
	[ ${#files[@]} -gt 0 ] || { : >"$list"; return 0; }
	run_awk "" "$list" "${files[@]}" >/dev/null
}

cmd_list() {
	local tmp
	tmp=$(mktemp)
	cmd_check "$tmp" || { rm -f "$tmp"; exit 1; }
	while read -r n h; do
		printf '%-10s %-20s %s\n' "$n" "$h" "$(sed -n "s/^$n //p" "$tmp")"
	done < <(lab_order)
	rm -f "$tmp"
}

cmd_make() {
	local name=${1:-} dest=${2:-}
	[ -n "$name" ] || die "usage: lab.sh make NAME [DIR] (labs: $(lab_order | awk '{ printf "%s ", $1 }'))"
	lab_order | awk -v n="$name" '$1 == n { f = 1 } END { exit !f }' || die "no lab '$name' in $LABS_TXT"
	dest=${dest:-build/lab-$name}
	# NAME is stubbed; the labs before it keep their solutions, and so do
	# the later ones unless LATER=stub (the kernel needs every lab's code
	# to run a test: with a later lab stubbed, no grade of NAME can reach
	# full marks; docs/labs/README.md).
	local strip
	case "${LATER:-keep}" in
	keep) strip=$name ;;
	stub) strip=$(lab_order | awk -v n="$name" '$1 == n { on = 1 } on { printf "%s ", $1 }') ;;
	*) die "LATER=$LATER: keep or stub" ;;
	esac
	cmd_check || die "the markers are broken (above); no tree written"
	local files
	mapfile -t files < <(marked_files)
	rm -rf "$dest"
	mkdir -p "$dest"
	# The tree: the files git tracks, as they are in the work tree (with
	# their times, so that the build seeded below stays valid).
	source_files_all | tar --format=posix -cf - --null -T - | tar -xf - -C "$dest"
	# Seed the student's build/ with this tree's (times kept): make then
	# recompiles only what the stubs changed.  LAB_SEED_BUILD=0: no seed.
	if [ "${LAB_SEED_BUILD:-1}" != 0 ] && [ -f build/kernel.elf ]; then
		# (not the ISOs: each grading boot makes its own, `make` the default)
		tar --format=posix -cf - --exclude='build/lab-*' --exclude=build/test --exclude=build/grade --exclude=build/bench \
			--exclude='build/*.iso' --exclude='build/*.iso.log' --exclude='build/*.dir' build |
			tar -xf - -C "$dest"
	fi
	local list f
	list=$(mktemp)
	for f in "${files[@]}"; do # rewritten only where a stub changed it (times kept)
		run_awk "$strip" "$list.one" "$f" >"$list.c"
		cat "$list.one" >>"$list" 2>/dev/null || true
		cmp -s "$list.c" "$dest/$f" && continue
		# The statics that only the stubbed code used are unused now: say
		# so (-Werror), before the first #include.
		awk '!done && /^#include/ {
			print "#pragma GCC diagnostic ignored \"-Wunused-function\" /* LAB stubs: what the stubs no longer use */"
			print "#pragma GCC diagnostic ignored \"-Wunused-variable\""
			done = 1 } { print }' "$list.c" >"$dest/$f"
	done
	echo "$name" >"$dest/.lab"
	echo "lab $name: tree in $dest"
	while read -r n _; do
		case " $strip " in *" $n "*) how="stub" ;; *) how="solution" ;; esac
		local fns
		fns=$(sed -n "s/^$n //p" "$list")
		[ -n "$fns" ] && echo "  $n ($how):$([ "$how" = stub ] && echo " write" || echo "") $fns"
	done < <(lab_order)
	rm -f "$list" "$list.one" "$list.c"
	# its own history: git diff shows what the student wrote (LAB_GIT=0: none)
	if [ "${LAB_GIT:-1}" != 0 ] && command -v git >/dev/null 2>&1; then
		(cd "$dest" && git init -q && git add -A . ':!build' 2>/dev/null &&
			git -c user.name=faultline -c user.email=lab@faultline.invalid commit -q -m "lab $name: start" &&
			echo "  (a git repository of its own: 'git diff' shows your changes)") || true
	fi
	echo "  next: cd $dest && make grade"
}

# Every file of the tree, NUL-separated (for tar).
source_files_all() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f -print0 | sed -z 's|^\./||'
	fi
}

case "${1:-}" in
check) cmd_check && echo "lab markers: ok" ;;
list) cmd_list ;;
make) shift; cmd_make "$@" ;;
*) die "usage: lab.sh check | list | make NAME [DIR]" ;;
esac
