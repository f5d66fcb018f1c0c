# shellcheck shell=bash disable=SC2034 # (CH, BENCH_CSV_HEADER: for bench.sh)
# bench-lib.sh - sourced by scripts/bench.sh: pfbench's serial logs into
# CSV, runs into medians, CSV into PNG plots.  No side effects on sourcing.
#
# results.csv, one row per figure and run (a tidy long format):
#   system,mode,cpus,case,threads,metric,value,run
#   system   faultline | linux-6.1 | linux-6.12 | linux (LINUX=path) | host
#   mode     faultline: the lock mode (global, vma); Linux: default (THP as
#            the kernel is configured; Debian: always) or nothp
#            (transparent_hugepage=never); host: host
#   cpus     the guest's CPU count (host: nproc)
#   case     null, pf, mix, onevma, churn, fork, zero (faultline's bench.zero), boot
#   threads  the case's thread count (mix: its fault threads; fork: 1; boot, zero: 0)
#   metric   syscalls/s, faults/s, mapper_ops/s, ops/s, forks/s, slowest_thread/s,
#            fastest_thread/s (the case's slowest and fastest thread's own
#            rate: faults/s for pf and mix, ops/s for churn), pages/s, MB/s
#            (zero), KEY/s (a /proc/mmstat counter's delta per second over
#            the case), and for case boot: other_busy_host_cpus (host CPUs
#            other work kept busy during the boot), finished (1: pfbench
#            printed "pfbench done" and QEMU exited as it should)
#   run      1..BENCH_RUNS
# summary.csv: system,mode,cpus,case,threads,metric,median,min,max,runs -
# the same figures over the runs.

BENCH_CSV_HEADER="system,mode,cpus,case,threads,metric,value,run"

# Host CPU time spent by everything, and by this script's finished children,
# in seconds: busy() - children() over a boot is other people's work.
busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }
# (children sets CH: `times` must run in this shell, not in a $(...) subshell)
children() {
	times >"$OUT/times.txt"
	CH=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }; print s }' "$OUT/times.txt")
}

# Whether other work kept the host too busy for N vCPUs to each have a host
# CPU: busy_run OTHER N (status 0: yes).
busy_run() { awk -v o="${1:-0}" -v n="$2" -v h="$(nproc)" 'BEGIN { exit !(o > 0.25 && o + n > h) }'; }

# log_csv SYSTEM MODE CPUS RUN LOG: pfbench's result lines (and faultline's
# page-zeroing notice) in LOG as CSV rows.  pfbench's lines start a line;
# the kernels' lines start with "[".
log_csv() {
	sed 's/\r$//' "$5" 2>/dev/null | awk -v pre="$1,$2,$3" -v run="$4" '
	function row(c, t, m, v) { if (v != "") printf "%s,%s,%s,%s,%s,%s\n", pre, c, t, m, v, run }
	function kv(    i, p) { delete F; for (i = 2; i <= NF; i++) { p = index($i, "="); if (p) F[substr($i, 1, p - 1)] = substr($i, p + 1) } }
	/^null syscalls\/s=/ { kv(); row("null", 1, "syscalls/s", F["syscalls/s"]); next }
	/^(pf|mix|onevma) threads=/ { kv(); t = F["threads"]
		row($1, t, "faults/s", F["faults/s"]); row($1, t, "mapper_ops/s", F["mapper_ops/s"])
		row($1, t, "writer_ops/s", F["writer_ops/s"])
		row($1, t, "slowest_thread/s", F["min"]); row($1, t, "fastest_thread/s", F["max"]); next }
	/^churn threads=/ { kv(); t = churn = F["threads"]
		row("churn", t, "ops/s", F["ops/s"]); row("churn", t, "faults/s", F["faults/s"])
		row("churn", t, "slowest_thread/s", F["min"]); row("churn", t, "fastest_thread/s", F["max"]); next }
	/^fork mib=/ { kv(); row("fork", 1, "forks/s", F["forks/s"]); next }
	/^mmstat case=/ { kv(); c = F["case"]; s = F["seconds"]
		if (c == "churn") t = churn; else if (c == "fork") t = 1; else { t = c; sub(/^[a-z]+/, "", t); sub(/[0-9]+$/, "", c) }
		if (s <= 0) next
		for (k in F) if (k != "case" && k != "seconds") row(c, t, k "/s", sprintf("%.0f", F[k] / s))
		next }
	/bench: page zeroing: [0-9]+ pages\/s/ { if (zdone++) next
		for (i = 1; i <= NF; i++) if ($i == "pages/s") row("zero", 0, "pages/s", $(i - 1))
		else if ($i == "MB/s)") row("zero", 0, "MB/s", substr($(i - 1), 2)) }'
}

# summarize CSV: summary.csv's rows (median, min, max over the runs).
summarize() {
	awk -F, 'NR > 1 { k = $1 "," $2 "," $3 "," $4 "," $5 "," $6; n[k]++; v[k, n[k]] = $7; if (!(k in seen)) { seen[k]; order[++nk] = k } }
	END { print "system,mode,cpus,case,threads,metric,median,min,max,runs"
		for (j = 1; j <= nk; j++) { k = order[j]; m = n[k]
			for (a = 1; a <= m; a++) x[a] = v[k, a] + 0
			for (a = 2; a <= m; a++) { y = x[a]; for (b = a - 1; b >= 1 && x[b] > y; b--) x[b + 1] = x[b]; x[b + 1] = y }
			med = m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
			printf "%s,%s,%s,%s,%s\n", k, (med == int(med) ? med : sprintf("%.2f", med)), x[1], x[m], m } }' "$1"
}

# plots SUMMARY DIR TITLE CPUS COLUMNS: the data files for
# scripts/bench-plot.gp and its PNGs in DIR.  COLUMNS: "label=system:mode ..."
# in table order.  Needs gnuplot; says so in one line when it has none.
plots() {
	local sum=$1 dir=$2 title=$3 cpus=$4 cols=$5
	if ! command -v gnuplot >/dev/null; then
		echo "bench: no gnuplot (scripts/deps.sh gnuplot could not install gnuplot-nox): no plots" >&2
		return 0
	fi
	# pf-cpusN.dat: threads, then median/min/max of faults/s per column;
	# mix.dat, churn.dat: cpus, then median/min/max per column.
	awk -F, -v cpus="$cpus" -v cols="$cols" -v dir="$dir" '
	NR > 1 { S[$1 "," $2 "," $3 "," $4 "," $5 "," $6] = $7 " " $8 " " $9; T[$1 "," $2 "," $3 "," $4] = T[$1 "," $2 "," $3 "," $4] " " $5 }
	function get(k, what,    a) { if (!(k in S)) return "- - -"; split(S[k], a, " ")
		return what == "pct" ? sprintf("%.1f %.1f %.1f", a[1], a[2], a[3]) : a[1] " " a[2] " " a[3] }
	function pct(k, base,    a, b) { if (!(k in S) || !(base in S)) return "- - -"; split(S[k], a, " "); split(S[base], b, " ")
		if (b[1] <= 0) return "- - -"
		return sprintf("%.1f %.1f %.1f", 100 * a[1] / b[1], 100 * a[2] / b[1], 100 * a[3] / b[1]) }
	END { nc = split(cols, C, " "); np = split(cpus, P, " ")
		head = ""
		for (i = 1; i <= nc; i++) { split(C[i], lm, "="); L[i] = lm[1]; SM[i] = lm[2]; sub(":", ",", SM[i]); head = head " " L[i] " lo hi" }
		print "cpus" head > (dir "/mix-share.dat"); print "cpus" head > (dir "/mix-mapper.dat"); print "cpus" head > (dir "/churn.dat")
		for (p = 1; p <= np; p++) { n = P[p]; f = dir "/pf-cpus" n ".dat"; print "threads" head > f
			split("", th); nt = 0
			for (i = 1; i <= nc; i++) { m = split(T[SM[i] "," n ",pf"], x, " "); for (j = 1; j <= m; j++) if (!(x[j] in th)) { th[x[j]]; tl[++nt] = x[j] + 0 } }
			for (a = 2; a <= nt; a++) { y = tl[a]; for (b = a - 1; b >= 1 && tl[b] > y; b--) tl[b + 1] = tl[b]; tl[b + 1] = y }
			for (j = 1; j <= nt; j++) { line = tl[j]; for (i = 1; i <= nc; i++) line = line " " get(SM[i] "," n ",pf," tl[j] ",faults/s"); print line > f }
			close(f)
			l1 = l2 = l3 = n
			for (i = 1; i <= nc; i++) { k = SM[i] "," n
				l1 = l1 " " pct(k ",mix,1,faults/s", k ",pf,1,faults/s")
				l2 = l2 " " get(k ",mix,1,mapper_ops/s")
				ct = T[k ",churn"]; sub(/^ /, "", ct); sub(/ .*/, "", ct)
				l3 = l3 " " get(k ",churn," ct ",ops/s") }
			print l1 > (dir "/mix-share.dat"); print l2 > (dir "/mix-mapper.dat"); print l3 > (dir "/churn.dat") } }' "$sum"
	if ! gnuplot -e "dir='$dir'; title='$title'; cpus='$cpus'; ncols=$(wc -w <<<"$cols")" scripts/bench-plot.gp >"$dir/gnuplot.log" 2>&1; then
		echo "bench: gnuplot failed (see $dir/gnuplot.log): no plots" >&2
		return 0
	fi
	echo "bench: plots: $(echo "$dir"/*.png)" >&2
}
