#!/usr/bin/env bash
# bench.sh - `make bench`: the page-fault benchmark on faultline and on the
# host, as one table.  Figures, never pass/fail (docs: GUIDE section 6).
#
# For each CPU count in BENCH_CPUS (default "1 2") it boots QEMU once with
#   init=/bench/pfbench bench.zero [BENCH_CMDLINE] -- all BENCH_SECONDS
# (pfbench runs null, pf 1, pf 2 and mix 1+1, then prints /proc/mmstat when
# the kernel has it; bench.zero makes the kernel time its page zeroing
# before init starts), parses the serial log and prints one table.  Then it
# runs `make bench-vma-tree` when the Makefile has that target, and the same
# pfbench binary on the host Linux, as a reference.
#
# Environment: BENCH_SECONDS (per case, default 3), BENCH_CPUS (default
# "1 2"), BENCH_CMDLINE (extra kernel parameters, e.g. mm.lock=vma),
# BENCH_MEM (default 256M), MAKE.  Logs: build/bench/.
set -u
cd "$(dirname "$0")/.."
SECS=${BENCH_SECONDS:-3}
CPUS_LIST=${BENCH_CPUS:-1 2}
EXTRA=${BENCH_CMDLINE:-}
MEM=${BENCH_MEM:-256M}
MAKE=${MAKE:-make}
OUT=build/bench
ISO=$OUT/pfbench.iso
PFBENCH=build/user/bench/pfbench
case "$SECS" in '' | *[!0-9]* | 0) echo "bench: BENCH_SECONDS must be a whole number >= 1" >&2; exit 2 ;; esac
mkdir -p "$OUT"
start=$(date +%s)
declare -A OTHER

# Build the kernel, the initramfs (with pfbench) and the ISO carrying the
# command line.  No `quiet`: the "mm: mm.lock=..." notice must reach the log.
cmdline="init=/bench/pfbench bench.zero${EXTRA:+ $EXTRA} -- all $SECS"
if ! $MAKE -s --no-print-directory iso ISO="$ISO" CMDLINE="$cmdline" >"$OUT/build.log" 2>&1; then
	cat "$OUT/build.log"
	exit 1
fi

# Host CPU time spent by everything, and by this script's finished children,
# in seconds: busy() - children() over a boot is other people's work.
busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat; }
# (children sets CH: `times` must run in this shell, not in a $(...) subshell)
children() {
	times >"$OUT/times.txt"
	CH=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }; print s }' "$OUT/times.txt")
}

# One boot per CPU count, one after the other (in parallel they would share
# the host's cores and slow each other down).  pfbench takes about 4 cases x
# SECS, the zeroing benchmark at most 3 s; the rest is boot.
for n in $CPUS_LIST; do
	log="$OUT/cpus$n.serial.log"
	rm -f "$log"
	echo "bench: booting CPUS=$n ($cmdline)" >&2
	children
	b0=$(busy) c0=$CH w0=$(date +%s.%N)
	timeout --foreground -k 5 $((4 * SECS + 90)) env ISO="$ISO" CPUS="$n" MEM="$MEM" UEFI=0 QEMU_CPU=max \
		SERIAL="file:$log" bash scripts/qemu-run.sh </dev/null >"$OUT/cpus$n.qemu.log" 2>&1
	st=$?
	# Other work on the host during the boot, in host CPUs kept busy on average.
	children
	OTHER[$n]=$(awk -v b="$(busy)" -v b0="$b0" -v c="$CH" -v c0="$c0" -v w="$(date +%s.%N)" -v w0="$w0" \
		'BEGIN { o = ((b - b0) - (c - c0)) / (w - w0); printf "%.2f", o < 0 ? 0 : o }')
	sed -i -e 's/\r$//' "$log" 2>/dev/null
	# 1 = init exited 0 (isa-debug-exit: 2 * status + 1)
	if [ "$st" -ne 1 ] || ! grep -q '^pfbench done$' "$log"; then
		echo "bench: CPUS=$n: the run did not finish (QEMU status $st); last lines of $log:" >&2
		tail -15 "$log" | sed 's/^/    # /' >&2
	fi
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

declare -A V
modes=""
for n in $CPUS_LIST; do
	log="$OUT/cpus$n.serial.log"
	m=$(sed -n 's/.*mm: mm\.lock=\([A-Za-z0-9_-]*\).*/\1/p' "$log" 2>/dev/null | head -1)
	case " $modes " in *" ${m:-?} "*) ;; *) modes="${modes:+$modes, }${m:-?}" ;; esac
	V[pf1,$n]=$(field "$log" '^pf threads=1 ' 'faults/s')
	V[pf2,$n]=$(field "$log" '^pf threads=2 ' 'faults/s')
	V[pf2min,$n]=$(field "$log" '^pf threads=2 ' 'min')
	V[pf2max,$n]=$(field "$log" '^pf threads=2 ' 'max')
	V[mixf,$n]=$(field "$log" '^mix threads=1 ' 'faults/s')
	V[mixm,$n]=$(field "$log" '^mix threads=1 ' 'mapper_ops/s')
	V[null,$n]=$(field "$log" '^null ' 'syscalls/s')
	V[zero,$n]=$(sed -n 's/.*bench: page zeroing: \([0-9]*\) pages\/s.*/\1/p' "$log" 2>/dev/null | head -1)
	V[zeromb,$n]=$(sed -n 's/.*bench: page zeroing: [0-9]* pages\/s (\([0-9]*\) MB\/s).*/\1/p' "$log" 2>/dev/null | head -1)
	V[ratio,$n]=$(ratio "${V[pf2,$n]}" "${V[pf1,$n]}")
	V[floor,$n]=$(pct "${V[pf1,$n]}" "${V[zero,$n]}")
	for c in pf2 mix1; do
		V[wait$c,$n]=$(mmstat_rate "$log" $c mmap_lock_read_wait mmap_lock_write_wait)
		V[shoot$c,$n]=$(mmstat_rate "$log" $c tlb_shootdown_sent)
	done
done

row() { # row LABEL KEY
	local line
	line=$(printf '  %-46s' "$1")
	for n in $CPUS_LIST; do line+=$(printf ' %11s' "${V[$2,$n]:--}"); done
	echo "$line"
}
any() { # any KEY: some CPU count has a value
	for n in $CPUS_LIST; do [ -n "${V[$1,$n]}" ] && return 0; done
	return 1
}

echo
head=$(printf '%-48s' "faultline pfbench (QEMU TCG, mm.lock=${modes:-?})")
for n in $CPUS_LIST; do head+=$(printf ' %11s' "CPUS=$n"); done
echo "$head"
row "pf  1 thread   faults/s" pf1
row "pf  2 threads  faults/s" pf2
row "pf  2 threads  slowest thread's faults/s" pf2min
row "pf  2 threads  fastest thread's faults/s" pf2max
row "mix 1+1        faults/s" mixf
row "mix 1+1        mapper ops/s" mixm
any waitpf2 && row "pf  2 threads  mmap_lock waits/s" waitpf2
any waitmix1 && row "mix 1+1        mmap_lock waits/s" waitmix1
any shootpf2 && row "pf  2 threads  TLB shootdowns/s" shootpf2
any shootmix1 && row "mix 1+1        TLB shootdowns/s" shootmix1
row "null syscalls/s" null
row "kernel page zeroing pages/s" zero
row "kernel page zeroing MB/s" zeromb
row "pf 1 thread as a share of the zeroing rate" floor
row "ratio pf 2 threads / 1 thread" ratio
any waitpf2 || echo "  (no /proc/mmstat in this kernel: no mmap_lock or shootdown figures)"
echo "  ${SECS} s per case; logs in $OUT/; absolute figures are QEMU TCG emulation speed - compare ratios"
# Each emulated CPU is a host thread.  When other work holds a host CPU, the
# vCPUs share what is left: a vCPU spinning for another (a shootdown's
# acknowledgement, a spinlock) then waits out a host time slice.
line=$(printf '  %-46s' "other work on the host: busy host CPUs")
for n in $CPUS_LIST; do line+=$(printf ' %11s' "${OTHER[$n]:--}"); done
echo "$line"
for n in $CPUS_LIST; do
	if awk -v o="${OTHER[$n]:-0}" -v n="$n" -v h="$(nproc)" 'BEGIN { exit !(o > 0.25 && o + n > h) }'; then
		echo "  WARNING: CPUS=$n: other work kept ${OTHER[$n]} of the host's $(nproc) CPUs busy, so the emulated CPUs"
		echo "  did not each have one and cross-CPU waits took host time slices: run again on an idle host"
	fi
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
