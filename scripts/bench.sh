#!/usr/bin/env bash
# bench.sh - `make bench`: the page-fault benchmark on faultline, in each
# mm.lock= mode side by side, and on the host, as one table.  Figures, never
# pass/fail (docs: GUIDE section 6).
#
# For each CPU count in BENCH_CPUS (default "1 2") it boots QEMU ONCE with
#   init=/bench/pfbench mm.lock=FIRST bench.zero [BENCH_CMDLINE] -- modes=A,B all BENCH_SECONDS
# and pfbench runs its cases (null, pf 1, pf 2, mix 1+1) in each lock mode
# of BENCH_MODES (default "global vma") in turn, switching through
# /proc/mm_lock: the modes are compared in the same boot, because on QEMU
# TCG two boots of the same kernel differ by up to 40% (where the guest's
# memory lands in the host, ...), far more than the modes do.  The serial
# log is split at pfbench's "pfbench mode=NAME" lines into one log per mode
# (build/bench/MODE-cpusN.serial.log), parsed into one table with a column
# per MODE/CPUS.  BENCH_SAME_BOOT=0 boots once per mode instead (mm.lock=
# on the command line; for a kernel without /proc/mm_lock).  Then it runs
# `make bench-vma-tree` when the Makefile has that target, and the same
# pfbench binary on the host Linux, as a reference.
#
# The mode a column shows is the one its boot really ran, read from the
# kernel's "mm: mm.lock=NAME" notice; when that is not the mode asked for
# (a kernel that does not know the mode falls back to global), the table
# says so and warns.
#
# Environment: BENCH_SECONDS (per case, default 3), BENCH_CPUS (default
# "1 2"), BENCH_MODES (default "global vma"), BENCH_CMDLINE (other kernel
# parameters for every boot; an mm.lock= in it is dropped: BENCH_MODES sets
# that), BENCH_MEM (default 256M), MAKE.  Logs: build/bench/MODE-cpusN.*.
set -u
cd "$(dirname "$0")/.." || exit 2
SECS=${BENCH_SECONDS:-3}
CPUS_LIST=${BENCH_CPUS:-1 2}
read -r -a mode_words <<<"${BENCH_MODES:-global vma}"
MODES="${mode_words[*]}" # one space between names
EXTRA=${BENCH_CMDLINE:-}
MEM=${BENCH_MEM:-256M}
MAKE=${MAKE:-make}
OUT=build/bench
PFBENCH=build/user/bench/pfbench
case "$SECS" in '' | *[!0-9]* | 0) echo "bench: BENCH_SECONDS must be a whole number >= 1" >&2; exit 2 ;; esac
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
start=$(date +%s)
declare -A OTHER ASKED

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

# Host CPU time spent by everything, and by this script's finished children,
# in seconds: busy() - children() over a boot is other people's work.
busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }
# (children sets CH: `times` must run in this shell, not in a $(...) subshell)
children() {
	times >"$OUT/times.txt"
	CH=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }; print s }' "$OUT/times.txt")
}
# The mode a boot ran, from the kernel's notice "mm: mm.lock=NAME ...": the
# last such line that is not a complaint about the mode asked for (today's
# kernel prints "mm: mm.lock=vma is not a lock mode this kernel has; using
# global" and then "mm: mm.lock=global (...)").
ran_mode() {
	grep -E 'mm: mm\.lock=[A-Za-z0-9_-]+' "$1" 2>/dev/null | grep -vE 'mm\.lock=[A-Za-z0-9_-]+ is not|not a lock mode|unknown' |
		sed -n 's/.*mm: mm\.lock=\([A-Za-z0-9_-]*\).*/\1/p' | tail -1
}

# One boot per CPU count and mode, one after the other (in parallel they
# would share the host's cores and slow each other down).  pfbench takes
# about 4 cases x SECS, the zeroing benchmark at most 3 s; the rest is boot.
COLS=""
for n in $CPUS_LIST; do
	for m in $MODES; do
		COLS="${COLS:+$COLS }$m/$n"
		ASKED[$m/$n]=$m
	done
	for m in $BOOTS; do
		col="$m/$n"
		log="$OUT/$m-cpus$n.serial.log"
		rm -f "$log"
		echo "bench: booting CPUS=$n ($(cmdline_of "$m"))" >&2
		children
		b0=$(busy) c0=$CH w0=$(date +%s.%N)
		timeout --foreground -k 5 $((4 * SECS * $(wc -w <<<"$MODES") + 90)) env ISO="$(iso_of "$m")" CPUS="$n" MEM="$MEM" UEFI=0 \
			QEMU_CPU=max SERIAL="file:$log" bash scripts/qemu-run.sh </dev/null >"$OUT/$m-cpus$n.qemu.log" 2>&1
		st=$?
		# Other work on the host during the boot, in host CPUs kept busy on average.
		children
		OTHER[$col]=$(awk -v b="$(busy)" -v b0="$b0" -v c="$CH" -v c0="$c0" -v w="$(date +%s.%N)" -v w0="$w0" \
			'BEGIN { o = ((b - b0) - (c - c0)) / (w - w0); printf "%.2f", o < 0 ? 0 : o }')
		sed -i -e 's/\r$//' "$log" 2>/dev/null
		# 1 = init exited 0 (isa-debug-exit: 2 * status + 1)
		if [ "$st" -ne 1 ] || ! grep -q '^pfbench done$' "$log"; then
			echo "bench: $col: the run did not finish (QEMU status $st); last lines of $log:" >&2
			tail -15 "$log" | sed 's/^/    # /' >&2
		fi
		if [ "$m" = all ]; then
			# One log per mode: the boot's kernel lines (and the zeroing
			# figure) in each, then that mode's part (from its "pfbench
			# mode=" line; the kernel's switch notice follows it).
			for mm in $MODES; do
				awk -v m="$mm" '/^pfbench mode=/ { part = ($0 == "pfbench mode=" m) ? 2 : 1; next }
					part != 1 { print }' "$log" >"$OUT/$mm-cpus$n.serial.log"
				OTHER[$mm/$n]=${OTHER[$col]}
			done
			grep -q '^pfbench: cannot switch' "$log" && grep '^pfbench: cannot switch' "$log" | sed 's/^/bench: /' >&2
		fi
	done
	for m in $MODES; do
		r=$(ran_mode "$OUT/$m-cpus$n.serial.log")
		[ "$r" = "$m" ] || echo "bench: WARNING: $m/$n: asked for mm.lock=$m, the kernel ran mm.lock=${r:-?}" >&2
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

# ---- parse and print ----

# The user lines of a serial log: drop the kernel's "[time] cpuN: " lines.
user_lines() { grep -vE '^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: ' "$1" 2>/dev/null; }
# field FILE LINE-REGEX KEY: the value of KEY=... on the first matching line.
field() {
	user_lines "$1" | grep -m1 -E "$2" | tr ' ' '\n' | sed -n "s|^$3=||p"
}
# The per-case mmstat deltas as rates: mmstat_rate FILE CASE KEY...
mmstat_rate() {
	local f=$1 c=$2
	shift 2
	user_lines "$f" | grep -m1 -E "^mmstat case=$c " | awk -v keys="$*" '{
		n = split(keys, k, " "); sum = 0; have = 0
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		for (j = 1; j <= n; j++) if (k[j] in v) { sum += v[k[j]]; have = 1 }
		if (have && v["seconds"] > 0) printf "%.0f", sum / v["seconds"] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.0f%%", 100 * a / b }'; }

declare -A V RAN ZERO
# The counters of mm.lock=vma that pfbench reports per case (user/bench/pfbench.c
# mmstat_keys[]): a row each per case, when some boot's /proc/mmstat has it.
VMA_KEYS="fault_vma fault_fallback vma_lock_success vma_lock_abort vma_lock_retry vma_lock_miss epoch_gp"
for col in $COLS; do
	m=${col%/*} n=${col#*/}
	log="$OUT/$m-cpus$n.serial.log"
	RAN[$col]=$(ran_mode "$log")
	V[ran,$col]=${RAN[$col]:-?}
	[ "${RAN[$col]}" = "$m" ] || V[ran,$col]="${V[ran,$col]}(!)"
	V[pf1,$col]=$(field "$log" '^pf threads=1 ' 'faults/s')
	V[pf2,$col]=$(field "$log" '^pf threads=2 ' 'faults/s')
	V[pf2min,$col]=$(field "$log" '^pf threads=2 ' 'min')
	V[pf2max,$col]=$(field "$log" '^pf threads=2 ' 'max')
	V[mixf,$col]=$(field "$log" '^mix threads=1 ' 'faults/s')
	V[mixm,$col]=$(field "$log" '^mix threads=1 ' 'mapper_ops/s')
	V[null,$col]=$(field "$log" '^null ' 'syscalls/s')
	V[zero,$col]=$(sed -n 's/.*bench: page zeroing: \([0-9]*\) pages\/s.*/\1/p' "$log" 2>/dev/null | head -1)
	V[zeromb,$col]=$(sed -n 's/.*bench: page zeroing: [0-9]* pages\/s (\([0-9]*\) MB\/s).*/\1/p' "$log" 2>/dev/null | head -1)
	[ -n "${V[zero,$col]}" ] && [ -z "${ZERO[$n]:-}" ] && ZERO[$n]=${V[zero,$col]}
	V[ratio,$col]=$(ratio "${V[pf2,$col]}" "${V[pf1,$col]}")
	V[mixshare,$col]=$(pct "${V[mixf,$col]}" "${V[pf1,$col]}")
	for c in pf1 pf2 mix1; do
		V[wait$c,$col]=$(mmstat_rate "$log" $c mmap_lock_read_wait mmap_lock_write_wait)
		V[shoot$c,$col]=$(mmstat_rate "$log" $c tlb_shootdown_sent)
		for k in $VMA_KEYS; do V[$k$c,$col]=$(mmstat_rate "$log" $c "$k"); done
	done
done
# After all boots: the zeroing figure of the column's CPU count (measured in
# the first mode's boot only), and each mode against BASE on the same CPU count.
mismatch=""
for col in $COLS; do
	m=${col%/*} n=${col#*/}
	V[floor,$col]=$(pct "${V[pf1,$col]}" "${ZERO[$n]:-}")
	[ "$m" = "$BASE" ] && continue
	mark=""
	if [ "${RAN[$col]}" != "$m" ] || [ "${RAN[$BASE/$n]:-}" != "$BASE" ]; then
		mark="*" mismatch=1
	fi
	for k in pf1 mixm; do
		r=$(ratio "${V[$k,$col]}" "${V[$k,$BASE/$n]:-}")
		V[vs$k,$col]=${r:+$r$mark}
	done
done

W=50 # label width
row() { # row LABEL KEY
	local line col
	line=$(printf '  %-*s' "$W" "$1")
	for col in $COLS; do line+=$(printf ' %10s' "${V[$2,$col]:--}"); done
	echo "$line"
}
any() { # any KEY: some column has a value
	local col
	for col in $COLS; do [ -n "${V[$1,$col]:-}" ] && return 0; done
	return 1
}
case_label() { case "$1" in pf1) echo "pf  1 thread  " ;; pf2) echo "pf  2 threads " ;; mix1) echo "mix 1+1       " ;; esac; }

echo
head=$(printf '%-*s' $((W + 2)) "faultline pfbench (QEMU TCG), MODE/CPUS")
for col in $COLS; do head+=$(printf ' %10s' "$col"); done
echo "$head"
row "mm.lock the kernel ran (its boot notice)" ran
row "pf  1 thread   faults/s" pf1
row "pf  2 threads  faults/s" pf2
row "pf  2 threads  slowest thread's faults/s" pf2min
row "pf  2 threads  fastest thread's faults/s" pf2max
row "mix 1+1        faults/s" mixf
row "mix 1+1        mapper ops/s" mixm
row "mix 1+1        faults/s as a share of pf 1 thread" mixshare
any vspf1 && row "pf  1 thread   faults/s, mode / $BASE" vspf1
any vsmixm && row "mix 1+1        mapper ops/s, mode / $BASE" vsmixm
any waitpf2 && row "pf  2 threads  mmap_lock waits/s" waitpf2
any waitmix1 && row "mix 1+1        mmap_lock waits/s" waitmix1
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
row "null syscalls/s" null
row "kernel page zeroing pages/s" zero
row "kernel page zeroing MB/s" zeromb
row "pf 1 thread as a share of the zeroing rate" floor
row "ratio pf 2 threads / 1 thread" ratio
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
[ -n "$mismatch" ] && echo "  * a boot of this CPU count did not run the mode asked for: this ratio is not what it says"
echo "  ${SECS} s per case; logs in $OUT/; absolute figures are QEMU TCG emulation speed - compare ratios"
# Each emulated CPU is a host thread.  When other work holds a host CPU, the
# vCPUs share what is left: a vCPU spinning for another (a shootdown's
# acknowledgement, a spinlock) then waits out a host time slice.
line=$(printf '  %-*s' "$W" "other work on the host: busy host CPUs")
for col in $COLS; do line+=$(printf ' %10s' "${OTHER[$col]:--}"); done
echo "$line"
for col in $COLS; do
	n=${col#*/}
	if awk -v o="${OTHER[$col]:-0}" -v n="$n" -v h="$(nproc)" 'BEGIN { exit !(o > 0.25 && o + n > h) }'; then
		echo "  WARNING: $col: other work kept ${OTHER[$col]} of the host's $(nproc) CPUs busy, so the emulated CPUs"
		echo "  did not each have one and cross-CPU waits took host time slices: run again on an idle host"
	fi
done
for col in $COLS; do
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
	h_pf1=$(field "$OUT/host.log" '^pf threads=1 ' 'faults/s')
	h_pf2=$(field "$OUT/host.log" '^pf threads=2 ' 'faults/s')
	printf '  %-46s %11s\n' "pf  1 thread   faults/s" "$h_pf1" \
		"pf  2 threads  faults/s" "$h_pf2" \
		"mix 1+1        faults/s" "$(field "$OUT/host.log" '^mix threads=1 ' 'faults/s')" \
		"mix 1+1        mapper ops/s" "$(field "$OUT/host.log" '^mix threads=1 ' 'mapper_ops/s')" \
		"null syscalls/s" "$(field "$OUT/host.log" '^null ' 'syscalls/s')" \
		"ratio pf 2 threads / 1 thread" "$(ratio "$h_pf2" "$h_pf1")"
else
	sed 's/^/  /' "$OUT/host.log"
fi
echo "bench: $(($(date +%s) - start)) s" >&2
