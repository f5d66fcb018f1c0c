#!/usr/bin/env bash
# bench.sh - `make bench`: the page-fault benchmark on faultline, in each
# mm.lock= mode side by side, and on the host, as one table; with
# BENCH_LINUX (scripts/bench-linux.sh, `make bench-linux`) also on Linux
# kernels booted on the very same QEMU machine.  Figures, never pass/fail
# (docs: GUIDE section 6).
#
# For each CPU count in BENCH_CPUS (default "1 2 4") it boots QEMU ONCE with
#   init=/bench/pfbench mm.lock=FIRST bench.zero [BENCH_CMDLINE] -- modes=A,B all BENCH_SECONDS
# and pfbench runs its cases (null, pf 1, pf 2, pf N on N > 2 CPUs, mix 1+1,
# onevma 1+1, churn, fork 64 MiB) in each lock mode of BENCH_MODES (default "global vma spf range") in turn,
# switching through /proc/mm_lock: the modes are compared in the same boot,
# because on QEMU TCG two boots of the same kernel differ by up to 40%
# (where the guest's memory lands in the host, ...), far more than the
# modes do.  The serial log is split at pfbench's "pfbench mode=NAME" lines
# into one log per mode (build/bench/MODE-cpusN-runR.serial.log).
# BENCH_SAME_BOOT=0 boots once per mode instead (mm.lock= on the command
# line; for a kernel without /proc/mm_lock).  BENCH_LINUX=FILE (lines
# "label<TAB>bzImage<TAB>CONFIG_PER_VMA_LOCK<TAB>THP default", written by
# bench-linux.sh) adds, after faultline's boot(s) of each CPU count, two
# boots of each of those kernels with pfbench as /init (BENCH_LINUX_INITRD):
# as configured and with transparent_hugepage=never (columns LABEL/N and
# LABEL-nothp/N).
#
# BENCH_RUNS (default 3) repeats the whole sequence: run 1 is every boot
# above, then run 2 the same boots in the same order, ... so that each
# figure is the median of the runs (min-max under it) and the ratios
# (mode / global, faultline / Linux) are ratios of medians of one
# invocation.  Each boot's log becomes rows of build/bench/results.csv
# (format: scripts/bench-lib.sh), summary.csv has the medians, and
# build/bench/*.png the plots (scripts/bench-plot.gp; gnuplot-nox,
# installed on first use by `scripts/deps.sh gnuplot`).  The table is also
# in build/bench/table.txt.  Then it runs `make bench-vma-tree` when the
# Makefile has that target, and the same pfbench binary on the host Linux,
# as a reference.
#
# The mode a column shows is the one its boot really ran, read from the
# kernel's "mm: mm.lock=NAME" notice; when that is not the mode asked for
# (a kernel that does not know the mode falls back to global), the table
# says so and warns.  Other work on the host during a boot is measured;
# a column with a run where it left the vCPUs short of host CPUs is marked
# "!" in the header and named under the table.
#
# Environment: BENCH_SECONDS (per case, default 3), BENCH_CPUS (default
# "1 2 4"), BENCH_RUNS (default 3), BENCH_MODES (default "global vma spf range"),
# BENCH_CMDLINE (other kernel parameters for every faultline boot; an
# mm.lock= in it is dropped: BENCH_MODES sets that), BENCH_MEM (default
# 256M), BENCH_LINUX, BENCH_LINUX_INITRD, MAKE.  Logs: build/bench/.
set -u
cd "$(dirname "$0")/.." || exit 2
. scripts/bench-lib.sh
SECS=${BENCH_SECONDS:-3}
CPUS_LIST=${BENCH_CPUS:-1 2 4}
RUNS=${BENCH_RUNS:-3}
read -r -a mode_words <<<"${BENCH_MODES:-global vma spf range}"
MODES="${mode_words[*]}" # one space between names
EXTRA=${BENCH_CMDLINE:-}
MEM=${BENCH_MEM:-256M}
MAKE=${MAKE:-make}
OUT=build/bench
PFBENCH=build/user/bench/pfbench
case "$SECS" in '' | *[!0-9]* | 0) echo "bench: BENCH_SECONDS must be a whole number >= 1" >&2; exit 2 ;; esac
case "$RUNS" in '' | *[!0-9]* | 0) echo "bench: BENCH_RUNS must be a whole number >= 1" >&2; exit 2 ;; esac
for n in $CPUS_LIST; do
	case "$n" in *[!0-9]* | 0) echo "bench: BENCH_CPUS: bad CPU count '$n'" >&2; exit 2 ;; esac
done
for m in $MODES; do
	case "$m" in *[!A-Za-z0-9_-]*) echo "bench: BENCH_MODES: bad mode name '$m'" >&2; exit 2 ;; esac
done
[ -n "${MODES// /}" ] || { echo "bench: BENCH_MODES is empty" >&2; exit 2; }
case " $EXTRA " in *" mm.lock="*)
	echo "bench: BENCH_CMDLINE: dropping its mm.lock= (BENCH_MODES='$MODES' sets the mode of each boot)" >&2
	EXTRA=$(printf '%s\n' "$EXTRA" | tr ' ' '\n' | grep -v '^mm\.lock=' | tr '\n' ' ' | sed 's/ *$//')
	;;
esac
# The ratio rows compare each mode with this one: global when it is asked for.
BASE=${MODES%% *}
case " $MODES " in *" global "*) BASE=global ;; esac
ZERO_MODE=${MODES%% *}
mkdir -p "$OUT"
rm -f "$OUT"/*.serial.log "$OUT"/all-cpus*.log "$OUT"/*.qemu.log "$OUT"/*.dat "$OUT"/*.png "$OUT"/results.csv "$OUT"/summary.csv
start=$(date +%s)
declare -A OTHERS ASKED RAN CSYS CMODE PERVMA THPDEF KPATH

# Build the kernel, the initramfs (with pfbench) and one ISO per mode, each
# carrying its command line.  No `quiet`: the "mm: mm.lock=..." notice must
# reach the log.  The zeroing benchmark measures the kernel's clear_page(),
# which no lock mode touches, so only the first mode's boots run it (once
# per CPU count, up to 3 s saved on every other boot); its share row uses
# that CPU count's figure for every mode.
SAME=${BENCH_SAME_BOOT:-1}
BOOTS=$MODES
[ "$SAME" = 1 ] && BOOTS=all
iso_of() { echo "$OUT/pfbench-$1.iso"; }
cmdline_of() {
	if [ "$1" = all ]; then
		echo "init=/bench/pfbench mm.lock=$ZERO_MODE bench.zero${EXTRA:+ $EXTRA} -- modes=${MODES// /,} all $SECS"
		return
	fi
	local zero=""
	[ "$1" = "$ZERO_MODE" ] && zero=" bench.zero"
	echo "init=/bench/pfbench mm.lock=$1$zero${EXTRA:+ $EXTRA} -- all $SECS"
}
for m in $BOOTS; do
	if ! $MAKE -s --no-print-directory iso ISO="$(iso_of "$m")" CMDLINE="$(cmdline_of "$m")" >"$OUT/build.log" 2>&1; then
		cat "$OUT/build.log"
		exit 1
	fi
done

# The Linux kernels (bench-linux.sh): label, bzImage, CONFIG_PER_VMA_LOCK, THP default.
LINUXES=""
if [ -n "${BENCH_LINUX:-}" ] && [ -s "$BENCH_LINUX" ]; then
	while IFS=$'\t' read -r label path pervma thp; do
		[ -n "$label" ] || continue
		LINUXES="${LINUXES:+$LINUXES }$label"
		KPATH[$label]=$path
		PERVMA[$label]=$pervma THPDEF[$label]=$thp
	done <"$BENCH_LINUX"
fi
linux_cmdline() { # linux_cmdline MODE: default | nothp
	local thp=""
	[ "$1" = nothp ] && thp=" transparent_hugepage=never"
	echo "console=ttyS0 panic=-1 quiet$thp -- all $SECS"
}

# The columns, per CPU count: faultline's modes, then each Linux as
# configured and with THP off.
COLS=""
for n in $CPUS_LIST; do
	for m in $MODES; do
		COLS="${COLS:+$COLS }$m/$n"
		ASKED[$m/$n]=$m CSYS[$m/$n]=faultline CMODE[$m/$n]=$m
	done
	for k in $LINUXES; do
		COLS+=" $k/$n $k-nothp/$n"
		CSYS[$k/$n]=$k CMODE[$k/$n]=default
		CSYS[$k-nothp/$n]=$k CMODE[$k-nothp/$n]=nothp
	done
done

# The mode a boot ran, from the kernel's notice "mm: mm.lock=NAME ...": the
# last such line that is not a complaint about the mode asked for (today's
# kernel prints "mm: mm.lock=vma is not a lock mode this kernel has; using
# global" and then "mm: mm.lock=global (...)").
ran_mode() {
	grep -E 'mm: mm\.lock=[A-Za-z0-9_-]+' "$1" 2>/dev/null | grep -vE 'mm\.lock=[A-Za-z0-9_-]+ is not|not a lock mode|unknown' |
		sed -n 's/.*mm: mm\.lock=\([A-Za-z0-9_-]*\).*/\1/p' | tail -1
}

CSV=$OUT/results.csv
echo "$BENCH_CSV_HEADER" >"$CSV"
# boot COL RUN FINISHED-PATTERN GOOD-STATUS LOG env...: one QEMU boot,
# timed, its log in LOG; sets OTHER and FINISHED.
boot() {
	local col=$1 r=$2 pat=$3 good=$4 log=$5 st w0 b0 c0
	shift 5
	rm -f "$log"
	children
	b0=$(busy) c0=$CH w0=$(date +%s.%N)
	timeout --foreground -k 5 $((6 * SECS * $(wc -w <<<"$MODES") + 120)) env CPUS="${col#*/}" MEM="$MEM" UEFI=0 \
		QEMU_CPU=max SERIAL="file:$log" "$@" bash scripts/qemu-run.sh </dev/null >"${log%.serial.log}.qemu.log" 2>&1
	st=$?
	# Other work on the host during the boot, in host CPUs kept busy on average.
	children
	OTHER=$(awk -v b="$(busy)" -v b0="$b0" -v c="$CH" -v c0="$c0" -v w="$(date +%s.%N)" -v w0="$w0" \
		'BEGIN { o = ((b - b0) - (c - c0)) / (w - w0); printf "%.2f", o < 0 ? 0 : o }')
	sed -i -e 's/\r$//' "$log" 2>/dev/null
	FINISHED=1
	if [ "$st" -ne "$good" ] || ! grep -q "$pat" "$log"; then
		FINISHED=0
		echo "bench: $col run $r: the run did not finish (QEMU status $st); last lines of $log:" >&2
		tail -15 "$log" | sed 's/^/    # /' >&2
	fi
}
# col_csv COL RUN LOG: the log's figures and the boot's as CSV rows.
col_csv() {
	local n=${1#*/} busy_mark=""
	log_csv "${CSYS[$1]}" "${CMODE[$1]}" "$n" "$2" "$3" >>"$CSV"
	printf '%s,%s,%s,boot,0,%s,%s,%s\n' "${CSYS[$1]}" "${CMODE[$1]}" "$n" other_busy_host_cpus "$OTHER" "$2" \
		"${CSYS[$1]}" "${CMODE[$1]}" "$n" finished "$FINISHED" "$2" >>"$CSV"
	busy_run "$OTHER" "$n" && busy_mark=1
	OTHERS[$1]+="${OTHERS[$1]:+ }$2:$OTHER${busy_mark:+!}"
}

# Every boot one after the other (in parallel they would share the host's
# cores and slow each other down), the whole sequence BENCH_RUNS times.
for r in $(seq "$RUNS"); do
	for n in $CPUS_LIST; do
		for m in $BOOTS; do
			log="$OUT/$m-cpus$n-run$r.serial.log"
			echo "bench: run $r/$RUNS: faultline, $n CPUs ($(cmdline_of "$m"))" >&2
			# 1 = init exited 0 (isa-debug-exit: 2 * status + 1)
			boot "$m/$n" "$r" '^pfbench done$' 1 "$log" ISO="$(iso_of "$m")"
			if [ "$m" = all ]; then
				# One log per mode: the boot's kernel lines (and the zeroing
				# figure) in each, then that mode's part (from its "pfbench
				# mode=" line; the kernel's switch notice follows it).
				for mm in $MODES; do
					awk -v m="$mm" '/^pfbench mode=/ { part = ($0 == "pfbench mode=" m) ? 2 : 1; next }
						part != 1 { print }' "$log" >"$OUT/$mm-cpus$n-run$r.serial.log"
				done
				grep -q '^pfbench: cannot switch' "$log" && grep '^pfbench: cannot switch' "$log" | sed 's/^/bench: /' >&2
				mv "$log" "$OUT/all-cpus$n-run$r.log"
			fi
			for mm in $MODES; do
				[ "$m" = all ] || [ "$m" = "$mm" ] || continue
				col_csv "$mm/$n" "$r" "$OUT/$mm-cpus$n-run$r.serial.log"
				ran=$(ran_mode "$OUT/$mm-cpus$n-run$r.serial.log")
				[ "$ran" = "$mm" ] || echo "bench: WARNING: $mm/$n run $r: asked for mm.lock=$mm, the kernel ran mm.lock=${ran:-?}" >&2
				[ -n "${RAN[$mm/$n]:-}" ] && [ "${RAN[$mm/$n]}" != "$ran" ] && ran="${RAN[$mm/$n]},$ran"
				RAN[$mm/$n]=$ran
			done
		done
		for k in $LINUXES; do
			for lm in default nothp; do
				col=$k/$n
				[ $lm = nothp ] && col=$k-nothp/$n
				log="$OUT/${col%/*}-cpus$n-run$r.serial.log"
				echo "bench: run $r/$RUNS: $k, $n CPUs ($(linux_cmdline $lm))" >&2
				# 0 = the guest powered off (pfbench as PID 1 on Linux)
				boot "$col" "$r" '^pfbench done$' 0 "$log" KERNEL="${KPATH[$k]}" \
					INITRD="${BENCH_LINUX_INITRD:?}" APPEND="$(linux_cmdline $lm)"
				col_csv "$col" "$r" "$log"
			done
		done
	done
done

# Another engineer's host VMA-tree benchmark, when this tree has it.
vma_tree=""
if $MAKE -n --no-print-directory bench-vma-tree >/dev/null 2>&1; then
	echo "bench: make bench-vma-tree" >&2
	$MAKE --no-print-directory bench-vma-tree >"$OUT/vma-tree.log" 2>&1 || echo "(make bench-vma-tree failed)" >>"$OUT/vma-tree.log"
	vma_tree=$OUT/vma-tree.log
fi

# The same binary on the host Linux.
echo "bench: pfbench on the host ($(nproc) CPUs)" >&2
"$PFBENCH" all "$SECS" >"$OUT/host.log" 2>&1 || echo "(pfbench failed on the host: status $?)" >>"$OUT/host.log"
log_csv host host "$(nproc)" 1 "$OUT/host.log" >>"$CSV"
summarize "$CSV" >"$OUT/summary.csv"

# ---- the table, from the medians ----

declare -A S V
while IFS=, read -r sy mo cp ca th me med lo hi _; do
	S[$sy,$mo,$cp,$ca,$th,$me]="$med $lo $hi"
done < <(tail -n +2 "$OUT/summary.csv")
# get COL CASE THREADS METRIC [WHICH: 1 median, 2 min, 3 max]
get() {
	local v=${S[${CSYS[$1]},${CMODE[$1]},${1#*/},$2,$3,$4]:-}
	[ -n "$v" ] && awk -v v="$v" -v w="${5:-1}" 'BEGIN { split(v, a, " "); printf "%.0f", a[w] }'
}
# krange COL CASE THREADS METRIC: "114k-121k", the min and max of the runs
krange() {
	local v=${S[${CSYS[$1]},${CMODE[$1]},${1#*/},$2,$3,$4]:-}
	[ -n "$v" ] && awk -v v="$v" 'function k(x) { return x >= 1e6 ? sprintf("%.2fM", x / 1e6) : x >= 1e4 ? sprintf("%.0fk", x / 1e3) : x >= 1e3 ? sprintf("%.1fk", x / 1e3) : sprintf("%.0f", x) }
		BEGIN { split(v, a, " "); printf "%s-%s", k(a[2]), k(a[3]) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.0f%%", 100 * a / b }'; }

# The counters of mm.lock=vma that pfbench reports per case (user/bench/pfbench.c
# mmstat_keys[]): a row each per case, when some boot's /proc/mmstat has it.
VMA_KEYS="fault_vma fault_fallback vma_lock_success vma_lock_abort vma_lock_retry vma_lock_miss epoch_gp"
# The Linux column the faultline / Linux ratio rows divide by: the newest
# Linux with THP off (its pages are 4 KiB, as faultline's are).
LREF=""
for k in $LINUXES; do LREF=$k-nothp; done
for k in $LINUXES; do [ "$k" = linux-6.12 ] && LREF=$k-nothp; done
declare -A ZERO
mismatch=""
for col in $COLS; do
	n=${col#*/}
	ct=$n
	[ "$n" -lt 2 ] && ct=2
	if [ "${CSYS[$col]}" = faultline ]; then
		m=${CMODE[$col]}
		V[ran,$col]=${RAN[$col]:-?}
		[ "${RAN[$col]:-}" = "$m" ] || V[ran,$col]="${V[ran,$col]}(!)"
	else
		V[ran,$col]=-
		V[pervma,$col]=${PERVMA[${CSYS[$col]}]}
		V[thp,$col]=${THPDEF[${CSYS[$col]}]}
		[ "${CMODE[$col]}" = nothp ] && V[thp,$col]=never
	fi
	for spec in "pf1 pf 1 faults/s" "pf2 pf 2 faults/s" "pfN pf $n faults/s" "mixf mix 1 faults/s" \
		"mixm mix 1 mapper_ops/s" "ovf onevma 1 faults/s" "ovw onevma 1 writer_ops/s" \
		"churn churn $ct ops/s" "fork fork 1 forks/s" "null null 1 syscalls/s"; do
		read -r key c t me <<<"$spec"
		[ "$key" = pfN ] && [ "$n" -le 2 ] && continue
		V[$key,$col]=$(get "$col" "$c" "$t" "$me")
		[ "$RUNS" -gt 1 ] && V[${key}_r,$col]=$(krange "$col" "$c" "$t" "$me")
	done
	V[pf2min,$col]=$(get "$col" pf 2 slowest_thread/s)
	V[pf2max,$col]=$(get "$col" pf 2 fastest_thread/s)
	V[zero,$col]=$(get "$col" zero 0 pages/s)
	V[zeromb,$col]=$(get "$col" zero 0 MB/s)
	[ -n "${V[zero,$col]}" ] && [ -z "${ZERO[$n]:-}" ] && ZERO[$n]=${V[zero,$col]}
	V[ratio,$col]=$(ratio "${V[pf2,$col]}" "${V[pf1,$col]}")
	V[mixshare,$col]=$(pct "${V[mixf,$col]}" "${V[pf1,$col]}")
	for spec in "pf1 pf 1" "pf2 pf 2" "mix1 mix 1" "ov1 onevma 1"; do
		read -r key c t <<<"$spec"
		w1=$(get "$col" "$c" "$t" mmap_lock_read_wait/s) w2=$(get "$col" "$c" "$t" mmap_lock_write_wait/s)
		[ -n "$w1$w2" ] && V[wait$key,$col]=$((${w1:-0} + ${w2:-0}))
		V[shoot$key,$col]=$(get "$col" "$c" "$t" tlb_shootdown_sent/s)
		for k in $VMA_KEYS; do V[$k$key,$col]=$(get "$col" "$c" "$t" "$k/s"); done
	done
done
# After all boots: the zeroing figure of the column's CPU count (measured in
# the first mode's boot only), each mode against BASE on the same CPU
# count, and each faultline mode against Linux LREF.
for col in $COLS; do
	[ "${CSYS[$col]}" = faultline ] || continue
	m=${CMODE[$col]} n=${col#*/}
	V[floor,$col]=$(pct "${V[pf1,$col]}" "${ZERO[$n]:-}")
	if [ -n "$LREF" ]; then
		V[lpf1,$col]=$(ratio "${V[pf1,$col]}" "${V[pf1,$LREF/$n]:-}")
		V[lchurn,$col]=$(ratio "${V[churn,$col]}" "${V[churn,$LREF/$n]:-}")
	fi
	[ "$m" = "$BASE" ] && continue
	mark=""
	if [ "${RAN[$col]}" != "$m" ] || [ "${RAN[$BASE/$n]:-}" != "$BASE" ]; then
		mark="*" mismatch=1
	fi
	for k in pf1 mixm ovf; do
		r=$(ratio "${V[$k,$col]}" "${V[$k,$BASE/$n]:-}")
		V[vs$k,$col]=${r:+$r$mark}
	done
done
# Other work on the host: the most of any run, "!" when a run left the
# vCPUs short of host CPUs.
busy_cols=""
for col in $COLS; do
	V[other,$col]=$(tr ' ' '\n' <<<"${OTHERS[$col]:-}" | cut -d: -f2 | tr -d '!' | sort -n | tail -1)
	case "${OTHERS[$col]:-}" in *'!'*)
		V[other,$col]+="!" busy_cols+=" $col"
		;;
	esac
done

W=50 # label width
CW=10
for col in $COLS; do [ ${#col} -ge $CW ] && CW=$((${#col} + 1)); done
row() { # row LABEL KEY
	local line col
	line=$(printf '  %-*s' "$W" "$1")
	for col in $BLOCK; do line+=$(printf " %${CW}s" "${V[$2,$col]:--}"); done
	echo "$line"
}
any() { # any KEY: some column of this block has a value
	local col
	for col in $BLOCK; do [ -n "${V[$1,$col]:-}" ] && return 0; done
	return 1
}
# mrow LABEL KEY: the row, and its min-max over the runs under it
mrow() {
	any "$1" || any "$2" || return 0
	row "$1" "$2"
	[ "$RUNS" -gt 1 ] && row "    min-max of $RUNS runs" "${2}_r"
	return 0
}
case_label() { case "$1" in pf1) echo "pf  1 thread  " ;; pf2) echo "pf  2 threads " ;; mix1) echo "mix 1+1       " ;; esac; }

table() {
	local head col ncols
	ncols=$(wc -w <<<"$COLS")
	echo
	# One block of rows per CPU count when the columns would not fit side by side.
	for n in $( ([ "$ncols" -gt 6 ] && echo "$CPUS_LIST") || echo all); do
		BLOCK=""
		for col in $COLS; do [ "$n" = all ] || [ "${col#*/}" = "$n" ] && BLOCK+=" $col"; done
		head=$(printf '%-*s' $((W + 2)) "pfbench (QEMU TCG), SYSTEM-OR-MODE/CPUS")
		for col in $BLOCK; do
			case " $busy_cols " in *" $col "*) col+="!" ;; esac
			head+=$(printf " %${CW}s" "$col")
		done
		echo "$head"
		row "mm.lock the kernel ran (its boot notice)" ran
		any pervma && row "Linux CONFIG_PER_VMA_LOCK" pervma
		any thp && row "Linux transparent_hugepage" thp
		mrow "pf  1 thread   faults/s" pf1
		mrow "pf  2 threads  faults/s" pf2
		row "pf  2 threads  slowest thread's faults/s" pf2min
		row "pf  2 threads  fastest thread's faults/s" pf2max
		any pfN && mrow "pf  N threads, N = CPUs > 2, faults/s" pfN
		mrow "mix 1+1        faults/s" mixf
		mrow "mix 1+1        mapper ops/s" mixm
		row "mix 1+1        faults/s as a share of pf 1 thread" mixshare
		mrow "onevma 1+1     faults/s (mprotect in the VMA)" ovf
		mrow "onevma 1+1     writer ops/s" ovw
		mrow "churn, a thread per CPU (>= 2), ops/s" churn
		mrow "fork, 64 MiB touched, child exits, forks/s" fork
		any vspf1 && row "pf  1 thread   faults/s, mode / $BASE" vspf1
		any vsmixm && row "mix 1+1        mapper ops/s, mode / $BASE" vsmixm
		any vsovf && row "onevma 1+1     faults/s, mode / $BASE" vsovf
		any lpf1 && row "pf  1 thread   faults/s, mode / $LREF" lpf1
		any lchurn && row "churn          ops/s, mode / $LREF" lchurn
		any waitpf2 && row "pf  2 threads  mmap_lock waits/s" waitpf2
		any waitmix1 && row "mix 1+1        mmap_lock waits/s" waitmix1
		any waitov1 && row "onevma 1+1     mmap_lock waits/s" waitov1
		any shootpf2 && row "pf  2 threads  TLB shootdowns/s" shootpf2
		any shootmix1 && row "mix 1+1        TLB shootdowns/s" shootmix1
		absent=""
		for k in $VMA_KEYS; do
			shown=""
			for c in pf1 pf2 mix1; do
				any "$k$c" && row "$(case_label $c) $k/s" "$k$c" && shown=1
			done
			[ -n "$shown" ] || absent="${absent:+$absent }$k"
		done
		mrow "null syscalls/s" null
		row "kernel page zeroing pages/s" zero
		row "kernel page zeroing MB/s" zeromb
		row "pf 1 thread as a share of the zeroing rate" floor
		row "ratio pf 2 threads / 1 thread" ratio
		row "other work on the host: busy host CPUs, most" other
		echo
	done
	any waitpf2 || echo "  (no /proc/mmstat in this kernel: no mmap_lock, shootdown or VMA-lock figures)"
	if any waitpf2 && [ -n "$absent" ]; then
		echo "  (not in this kernel's /proc/mmstat, so no rows:"
		echo "   $absent)"
	fi
	echo "  the issue's floor for mm.lock=vma: mix 1+1 faults/s >= 90% of pf 1 thread's"
	if [ "$SAME" = 1 ]; then
		echo "  the modes of a CPU count ran in one boot, one after the other (pfbench modes=, /proc/mm_lock)"
	else
		echo "  page zeroing runs in the $ZERO_MODE boots only (no lock mode touches it); its share row uses that figure"
	fi
	[ -n "$LINUXES" ] && echo "  LABEL-nothp: Linux booted with transparent_hugepage=never; pf's 2 MiB regions may get huge pages otherwise"
	[ -n "$mismatch" ] && echo "  * a boot of this CPU count did not run the mode asked for: this ratio is not what it says"
	echo "  ${SECS} s per case; each figure the median of $RUNS run(s) (runs interleaved: every boot once, then again);"
	echo "  ratios are of medians; CSV, plots and logs in $OUT/; absolute figures are QEMU TCG emulation speed"
	# Each emulated CPU is a host thread.  When other work holds a host CPU, the
	# vCPUs share what is left: a vCPU spinning for another (a shootdown's
	# acknowledgement, a spinlock) then waits out a host time slice.
	[ -n "$busy_cols" ] && echo "  ! other work on the host kept this many of its $(nproc) CPUs busy in these runs (run (busy CPUs)):"
	for col in $busy_cols; do
		echo "    $col: $(tr ' ' '\n' <<<"${OTHERS[$col]}" | grep '!' | sed 's/:\(.*\)!/ (\1)/' | tr '\n' ' ')"
	done
	[ -n "$busy_cols" ] && echo "    so the emulated CPUs did not each have one and cross-CPU waits took host time slices: run again on an idle host"
	for col in $COLS; do
		[ "${CSYS[$col]}" = faultline ] || continue
		[ "${RAN[$col]}" = "${ASKED[$col]}" ] && continue
		echo "  WARNING: $col: asked for mm.lock=${ASKED[$col]}, the kernel ran mm.lock=${RAN[$col]:-? (no notice in the log)}:"
		echo "  this column is that mode's figures, not ${ASKED[$col]}'s"
	done

	if [ -n "$vma_tree" ]; then
		echo
		echo "host VMA-tree benchmark (make bench-vma-tree):"
		sed 's/^/  /' "$vma_tree"
	fi

	echo
	echo "reference: the same pfbench binary on the host Linux ($(nproc) CPUs, $(uname -r); host, not TCG:"
	echo "not comparable with the figures above in absolute terms)"
	if grep -q '^pfbench done$' "$OUT/host.log"; then
		local hc
		hc="host/$(nproc)"
		CSYS[$hc]=host CMODE[$hc]=host
		printf '  %-46s %11s\n' "pf  1 thread   faults/s" "$(get "$hc" pf 1 faults/s)" \
			"pf  2 threads  faults/s" "$(get "$hc" pf 2 faults/s)" \
			"mix 1+1        faults/s" "$(get "$hc" mix 1 faults/s)" \
			"mix 1+1        mapper ops/s" "$(get "$hc" mix 1 mapper_ops/s)" \
			"churn          ops/s" "$(get "$hc" churn "$(nproc)" ops/s)" \
			"fork 64 MiB    forks/s" "$(get "$hc" fork 1 forks/s)" \
			"null syscalls/s" "$(get "$hc" null 1 syscalls/s)" \
			"ratio pf 2 threads / 1 thread" "$(ratio "$(get "$hc" pf 2 faults/s)" "$(get "$hc" pf 1 faults/s)")"
	else
		sed 's/^/  /' "$OUT/host.log"
	fi
}
table | tee "$OUT/table.txt"

# The plots: a series per column label, a panel or bar group per CPU count.
if ! command -v gnuplot >/dev/null; then
	bash scripts/deps.sh gnuplot >"$OUT/deps-gnuplot.log" 2>&1
fi
pcols=""
for col in $COLS; do
	case " $pcols " in *" ${col%/*}="*) ;; *) pcols+=" ${col%/*}=${CSYS[$col]}:${CMODE[$col]}" ;; esac
done
plots "$OUT/summary.csv" "$OUT" "$(date +%F), host $(uname -m) x $(nproc) CPUs, $(qemu-system-x86_64 --version | head -1 | sed 's/ (.*//'), TCG -cpu max, ${SECS} s per case, median of $RUNS run(s)" "$CPUS_LIST" "${pcols# }"
echo "bench: $(($(date +%s) - start)) s" >&2
