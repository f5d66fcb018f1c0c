#!/usr/bin/env bash
# run.sh - faultline's test suite (what `make test` runs after building).
#
#  1. host unit tests of portable code (build/host/test_*, ASan + UBSan);
#  2. the in-kernel self-tests (`ktest`) booted in QEMU across a matrix of
#     CPU counts, memory sizes, firmware (SeaBIOS / OVMF) and CPU models;
#  3. boots that must fail in a particular way (deliberate crashes, too
#     little memory) and boots whose log must show something.
#
# Every test case prints "ok - NAME" or "not ok - NAME"; a failing QEMU run
# prints the tail of its serial log.  The last line is "N passed, N failed".
# Environment: TESTS=REGEX runs only the cases whose name matches;
# TIMEOUT_SCALE multiplies every QEMU timeout (slow machines).
set -u
cd "$(dirname "$0")/.."
OUT=build/test
mkdir -p "$OUT"
pass=0
fail=0
FILTER=${TESTS:-.}
SCALE=${TIMEOUT_SCALE:-1}

skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
skipped() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
selected() { [[ "$1" =~ $FILTER ]]; }

# ---- 1. host unit tests ----
# Each binary prints KTAP ("ok N name" ... "1..N"); every case is a test,
# and a binary that crashes, exits non-zero or reports fewer cases than its
# plan is a failure of its own.
nhost=0
for t in build/host/test_*; do
	[ -x "$t" ] || continue
	nhost=$((nhost + 1))
	name="host/$(basename "$t")"
	selected "$name" || continue
	log="$OUT/$(basename "$t").log"
	"$t" >"$log" 2>&1
	status=$?
	cases=0
	while read -r line; do
		case "$line" in
		"ok "*) ok "$name: ${line#ok * }" ;;
		"not ok "*) not_ok "$name: ${line#not ok * }"; sed -n '/^    #/p' "$log" | head -20 ;;
		esac
		cases=$((cases + 1))
	done < <(grep -E '^(not )?ok [0-9]+ ' "$log")
	plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$log" | cut -c4-)
	if [ $status -ne 0 ] && ! grep -q '^not ok' "$log"; then
		not_ok "$name exited with status $status"
		tail -20 "$log"
	elif [ -z "$plan" ] || [ "$plan" -ne "$cases" ] || [ "$cases" -eq 0 ]; then
		not_ok "$name: $cases cases reported, plan ${plan:-missing}"
		tail -20 "$log"
	fi
done
if [ $nhost -eq 0 ] && selected host/; then
	not_ok "host tests: none built (run 'make host-test' or 'make test')"
fi

# ---- 2 and 3. QEMU boots ----
# boot NAME CPUS MEM UEFI QEMU_CPU TIMEOUT CMDLINE: builds an ISO with that
# command line and boots it; sets $log and $status.  Boots with the same
# command line (and INITRD) share one ISO, build/test/iso/HASH.iso (its
# command line in HASH.cmdline): the CPU count, memory and firmware are
# QEMU's, not the ISO's, and grub-mkrescue is about a second a run.  make
# rebuilds it whenever the kernel or the initramfs changed.
# type_lines LOG FIFO: write INPUT's lines into FIFO (QEMU's serial
# input) one at a time, each once LOG shows one more shell prompt ("$ " at
# the start of a line) than lines typed so far - typing ahead would have
# the tty echo the next line into the middle of the last one's output, as
# on any terminal.  A prompt that does not come within 30 s: the rest is
# typed anyway.
type_lines() {
	local n=0 line
	exec 3>"$2"
	while IFS= read -r line; do
		n=$((n + 1))
		for _ in $(seq 300); do
			[ "$(grep -c '^\$ ' "$1" 2>/dev/null)" -ge $n ] && break
			sleep 0.1
		done
		printf '%s\n' "$line" >&3
	done <<<"$INPUT"
	exec 3>&-
}
boot() {
	local name=$1 cpus=$2 mem=$3 uefi=$4 cpu=$5 timeout=$6 cmdline=$7
	local key
	key=$(printf '%s\n%s\n' "$cmdline" "${INITRD:-}" | md5sum | cut -c1-16)
	local iso="$OUT/iso/$key.iso"
	mkdir -p "$OUT/iso"
	printf '%s\n' "$cmdline" >"$OUT/iso/$key.cmdline"
	log="$OUT/$name.serial.log"
	rm -f "$log" "$log.plain"
	if ! make -s --no-print-directory iso ISO="$iso" CMDLINE="$cmdline" ${INITRD:+INITRD="$INITRD"} \
		>"$OUT/$name.build.log" 2>&1; then
		cat "$OUT/$name.build.log"
		: >"$log.plain"
		status=255
		return
	fi
	if [ -n "${INPUT:-}" ]; then # typed on the serial console, a line per shell prompt
		local fifo="$OUT/$name.input"
		rm -f "$fifo" && mkfifo "$fifo"
		type_lines "$log" "$fifo" &
		timeout --foreground -k 5 $((timeout * SCALE)) env ISO="$iso" CPUS="$cpus" MEM="$mem" UEFI="$uefi" \
			QEMU_CPU="$cpu" SERIAL=stdio bash scripts/qemu-run.sh <"$fifo" >"$log" 2>"$OUT/$name.qemu.log"
		status=$?
		wait
		rm -f "$fifo"
	else
		timeout --foreground -k 5 $((timeout * SCALE)) env ISO="$iso" CPUS="$cpus" MEM="$mem" UEFI="$uefi" \
			QEMU_CPU="$cpu" SERIAL="file:$log" bash scripts/qemu-run.sh </dev/null >"$OUT/$name.qemu.log" 2>&1
		status=$?
	fi
	# Drop the "[time] cpuN: " prefix printk puts on every line.
	sed -i -e 's/\r$//' "$log" 2>/dev/null
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: //' "$log" >"$log.plain" 2>/dev/null || : >"$log.plain"
}

tail_log() {
	echo "    # --- last lines of $log (QEMU status $status) ---"
	tail -25 "$log" 2>/dev/null | sed 's/^/    # /'
}

# The page-fault lock modes (mm.lock=) that the user and oracle programs
# each run in.  mm_init() announces the mode that runs as
# "mm: mm.lock=MODE ..." at KERN_NOTICE, which `quiet` hides: those boots
# say `quiet loglevel=6` (warnings and notices; nothing else the kernel
# prints is a notice).
LOCK_MODES="global vma spf range"
# announced_lock_mode: the mode(s) this boot's log says it booted in
# (mm_init's notice; not its warning about a mode it does not have, nor a
# switch through /proc/mm_lock that a test made), space-separated.
announced_lock_mode() {
	sed -n -e '/^mm: mm\.lock=[^ ]* is not a lock mode/d' -e '/switched at run time/d' \
		-e 's/^mm: mm\.lock=\([^ ]*\).*/\1/p' "$log.plain" |
		tr '\n' ' ' | sed 's/ $//'
}
# check_lock_mode NAME MODE: the test "NAME: kernel ran mm.lock=MODE".
check_lock_mode() {
	local got
	got=$(announced_lock_mode)
	if [ "$got" = "$2" ]; then
		ok "$1: kernel ran mm.lock=$2"
	else
		not_ok "$1: kernel ran mm.lock=$2 (it announced: ${got:-nothing})"
		grep -E '^mm: ' "$log.plain" | head -5 | sed 's/^/    # /'
	fi
}

# ktest_boot NAME CPUS MEM UEFI QEMU_CPU [EXTRA_CMDLINE]: every KTAP case
# becomes a test "NAME: suite.case"; the boot itself must end in success.
ktest_boot() {
	local name=$1 cpus=$2 mem=$3 uefi=$4 cpu=$5 extra=${6:-}
	selected "$name" || return 0
	boot "$name" "$cpus" "$mem" "$uefi" "$cpu" 300 "ktest $extra"
	local plan cases=0 bad=0
	plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$log.plain" | cut -c4-)
	while read -r line; do
		case "$line" in
		"ok "*"# SKIP "*) l=${line#ok * }; skipped "$name: ${l%% # SKIP *}" "${l#* # SKIP }"; cases=$((cases + 1)) ;;
		"ok "*) ok "$name: ${line#ok * }"; cases=$((cases + 1)) ;;
		"not ok "*) not_ok "$name: ${line#not ok * }"; cases=$((cases + 1)); bad=1 ;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ ' "$log.plain")
	if [ "$plan" = 0 ]; then # ktest=PATTERN matched no case: never a vacuous pass
		not_ok "$name: boot (no ktest case matches the command line '$extra': plan 1..0, QEMU status $status)"
	elif [ "$status" -ne 33 ] || [ -z "$plan" ] || [ "$cases" -ne "$plan" ]; then
		not_ok "$name: boot (QEMU status $status, $cases of ${plan:-?} cases reported; 33 = all passed)"
		tail_log
	elif [ $bad -ne 0 ]; then
		grep -E '^    # ' "$log.plain" | head -20
	fi
	# printk.lines_from_every_cpu_at_once: every CPU printed at once from
	# interrupt context; each line must have arrived whole, none missing.
	local want whole
	want=$(sed -n 's/^printk-stress expect \([0-9]*\) lines$/\1/p' "$log.plain")
	if [ -n "$want" ]; then
		whole=$(grep -cE '^printk-stress cpu[0-9]+ line [0-9]+: (0123456789abcdef){4}$' "$log.plain")
		if [ "$whole" -eq "$want" ] && [ "$(grep -c 'printk-stress' "$log.plain")" -eq $((want + 1)) ]; then
			ok "$name: printk lines from $cpus CPUs never interleave"
		else
			not_ok "$name: printk lines from $cpus CPUs never interleave ($whole of $want whole)"
			grep 'printk-stress' "$log.plain" | grep -vE '^printk-stress cpu[0-9]+ line [0-9]+: (0123456789abcdef){4}$' | head -5
		fi
	fi
	# Every CPU the machine has must have come online, each announced.
	if grep -q "all CPUs online: $cpus CPUs" "$log.plain" &&
		[ "$(grep -cE '^smp: cpu[0-9]+ online \(APIC id' "$log.plain")" -eq "$cpus" ]; then
		ok "$name: $cpus CPUs online"
	else
		not_ok "$name: $cpus CPUs online"
		grep -E 'smp:|all CPUs online' "$log.plain" | sed 's/^/    # /'
	fi
}

# expect_boot NAME CPUS MEM STATUS CMDLINE PATTERN...: the boot must exit
# with STATUS and its log must match every PATTERN (grep -E), in order of
# listing but anywhere in the log.  With LOCK_MODE=MODE in the environment,
# the kernel must also have announced mm.lock=MODE, and only that.
expect_boot() {
	local name=$1 cpus=$2 mem=$3 want=$4 cmdline=$5
	shift 5
	selected "$name" || return 0
	boot "$name" "$cpus" "$mem" 0 max 120 "$cmdline"
	local missing="" got
	for p in "$@"; do
		grep -qE -- "$p" "$log.plain" || missing="$missing [$p]"
	done
	if [ -n "${LOCK_MODE:-}" ]; then
		got=$(announced_lock_mode)
		[ "$got" = "$LOCK_MODE" ] || missing="$missing [mm.lock=$LOCK_MODE announced; it announced: ${got:-nothing}]"
	fi
	if [ "$status" -eq "$want" ] && [ -z "$missing" ]; then
		ok "$name"
	else
		not_ok "$name (status $status, want $want; missing:$missing)"
		tail_log
	fi
}

# The boot matrix: SeaBIOS with 1, 2, 4, 8 CPUs; OVMF with 4; small and
# large memory; the plain qemu64 CPU model (no SMEP/SMAP/PCID; QEMU 7.2's TCG
# offers no x2APIC even with -cpu max, so that path is untested here), with
# the timers calibrated against the PIT instead of the ACPI PM timer.
ktest_boot bios-cpus1 1 256M 0 max
ktest_boot bios-cpus2 2 256M 0 max
ktest_boot bios-cpus4 4 256M 0 max
ktest_boot bios-cpus8 8 256M 0 max
ktest_boot uefi-cpus4 4 256M 1 max
ktest_boot mem64M 2 64M 0 max
ktest_boot mem4G 2 4G 0 max
ktest_boot qemu64-pit 2 256M 0 qemu64 apic.calibrate=pit
# The epoch torture suite on 1, 2 and 4 CPUs (ktest=epoch: every case whose
# "suite.name" contains "epoch").  A boot that selects no case fails.
for cpus in 1 2 4; do
	ktest_boot epoch-torture-cpus$cpus $cpus 256M 0 max ktest=epoch
done
ktest_boot range-lock-cpus4 4 256M 0 max ktest=range_lock

# Deliberate kernel faults: the oops names the faulting functions.
expect_boot crash-nullptr 2 128M 35 "crash=nullptr" \
	'kernel oops: #PF page fault' 'page fault at address 0000000000000000: page not present, write, kernel mode' \
	'RIP is at .*crash_nullptr\+0x' 'crash_dispatch\+0x' 'kmain\+0x' 'end of report: 1 of 1 other CPUs stopped'
expect_boot crash-stack 2 128M 35 "crash=stack" \
	'kernel oops: #(PF page fault|DF double fault)' 'kernel stack overflow: .* is a stack guard page' 'crash_stack(\.[a-z0-9.]+)?\+0x'
expect_boot crash-panic 4 128M 35 "crash=panic" \
	'Kernel panic - not syncing: crash=panic requested' 'panic\+0x' 'crash_dispatch\+0x' 'kmain\+0x' \
	'end of report: 3 of 3 other CPUs stopped'
# Exception delivery onto an unmapped stack: #DF on its IST stack.
expect_boot crash-double-fault 2 128M 35 "crash=double-fault" \
	'kernel oops: #DF double fault \(vector 8\)' 'RIP is at .*crash_double_fault\+0x' 'end of report: 1 of 1 other CPUs stopped'
expect_boot crash-divide 1 128M 35 "crash=divide" 'kernel oops: #DE divide error' 'RIP is at .*crash_divide\+0x'
expect_boot crash-ud 1 128M 35 "crash=ud" 'kernel oops: #UD invalid opcode' 'RIP is at .*crash_ud\+0x'
expect_boot crash-bug 2 128M 35 "crash=bug" 'Kernel panic - not syncing: BUG at kernel/crash.c:[0-9]+' 'crash_dispatch\+0x'
# Spinlock debug checks catch misuse.
expect_boot lock-recursion 2 128M 35 "crash=lock-recursion" 'spinlock crash_lock: recursive lock on cpu0' 'crash_lock_recursion'
expect_boot unlock-unheld 2 128M 35 "crash=unlock-unheld" 'spinlock crash_lock: unlock on cpu0 but held by cpu-1' 'crash_unlock_unheld'
expect_boot lock-stuck 2 128M 35 "crash=lock-stuck spinlock.timeout_ms=300" \
	'spinlock crash_lock: stuck for 300 ms \(held by cpu1, taken at [0-9a-fx]+; waiter' 'crash_lock_stuck'
# Sleeping inside an epoch read section is a BUG naming the sleeper.
expect_boot epoch-sleep 2 128M 35 "crash=epoch-sleep" \
	'BUG: crash_epoch_sleep\+0x[0-9a-f]+ sleeps inside an epoch read section \(depth 1\)' 'crash_dispatch\+0x'
# A CPU in the MADT that never answers is reported and skipped; the rest run.
expect_boot phantom-cpu 2 128M 33 "ktest=smp.call smp.phantom_apic=77" \
	'smp: cpu2 \(APIC id 77\) did not answer INIT-SIPI-SIPI; skipped' 'smp: 2 of 3 CPUs online' '^ok 2 ' '# ktest: 2 passed, 0 failed'
# Many CPUs (MAX_CPUS is 256; more than that is tests/host/test_acpi's, as
# QEMU's pc machine has no more without x2APIC): 66 all come up, with IPIs
# to CPUs 64 and 65 (the second cpumask word), and nothing is ignored.
expect_boot cpus66 66 256M 33 "ktest=smp.all_cpus_online,smp.call" \
	'acpi: 66 CPUs,' 'smp: 66 of 66 CPUs online' 'all CPUs online: 66 CPUs' '^ok [0-9]+ smp.all_cpus_online' \
	'# ktest: 3 passed, 0 failed'
if selected cpus66; then
	if grep -qE 'beyond the [0-9]+ supported|not started|did not answer' "$log.plain"; then
		not_ok "cpus66: no CPU ignored or skipped"
	else
		ok "cpus66: no CPU ignored or skipped"
	fi
fi
# 64 CPUs started at once (smp.c), then the whole smp suite.
expect_boot cpus64 64 512M 33 "ktest=smp." 'smp: 64 of 64 CPUs online' 'all CPUs online: 64 CPUs' \
	'^ok [0-9]+ smp.all_cpus_online' '# ktest: [1-9][0-9]* passed, 0 failed'
# apic=x2apic on a CPU without x2APIC (QEMU 7.2 TCG): a warning, xAPIC mode.
expect_boot x2apic-fallback 2 128M 33 "ktest=smp.call apic=x2apic" \
	'apic: apic=x2apic, but this CPU has no x2APIC; using xAPIC' 'apic: xAPIC mode' '# ktest: 2 passed, 0 failed'
# What GRUB makes of a quoted word and of init arguments after " -- ".
expect_boot cmdline-quoting 1 128M 33 'ktest=boot.cmdline_quoting quoted.test="a b" -- arg1 "arg two"' \
	'^ok 1 boot.cmdline_quoting_through_grub$' '# ktest: 1 passed, 0 failed, 0 skipped'
# Bad input: too little memory is a clear panic, not a triple fault;
# unknown parameters are warned about and the boot goes on.
expect_boot lowmem-16M 1 16M 35 "panic=exit" 'Kernel panic - not syncing: not enough memory'
expect_boot unknown-param 2 128M 33 "ktest=boot.symbol frobnicate=3 quiet" "unknown parameter 'frobnicate'" '^ok 1 boot.symbol_lookup$'
# The page-fault lock mode: each boot must announce the mode that runs (and
# no other): what mm.lock= asks for, vma without it, and vma after a warning
# for a mode the kernel does not have.
LOCK_MODE=global expect_boot lock-mode-global 2 128M 33 "ktest=boot.symbol mm.lock=global" '^ok 1 boot.symbol_lookup$'
LOCK_MODE=vma expect_boot lock-mode-vma 2 128M 33 "ktest=boot.symbol mm.lock=vma" '^ok 1 boot.symbol_lookup$'
LOCK_MODE=spf expect_boot lock-mode-spf 2 128M 33 "ktest=boot.symbol,spf. mm.lock=spf" '^ok [0-9]+ boot.symbol_lookup$' \
	'^ok [0-9]+ spf.validates_and_falls_back$' '^ok [0-9]+ spf.unlinked_table_lock_outlives_readers$'
LOCK_MODE=range expect_boot lock-mode-range 2 128M 33 "ktest=boot.symbol mm.lock=range" '^ok 1 boot.symbol_lookup$'
LOCK_MODE=vma expect_boot lock-mode-default 2 128M 33 "ktest=boot.symbol" '^ok 1 boot.symbol_lookup$'
LOCK_MODE=vma expect_boot lock-mode-bogus 2 128M 33 "ktest=boot.symbol mm.lock=bogus" \
	'^mm: mm\.lock=bogus is not a lock mode this kernel has; using vma$' '^ok 1 boot.symbol_lookup$'
# The spinlock kind: test-and-set under a hypervisor (every QEMU boot here,
# so the rest of the suite runs it), fair tickets on bare metal - forced
# here, so the locks real PCs run are tested too, on 4 CPUs.
expect_boot spinlock-default 2 128M 33 "ktest=spinlock.,smp." \
	'^spinlock: test-and-set \(under a hypervisor' '# ktest: [1-9][0-9]* passed, 0 failed'
expect_boot spinlock-ticket 4 128M 33 "ktest=spinlock.,smp.,epoch.synchronize spinlock=ticket" \
	'^spinlock: ticket \(spinlock= on the command line\)$' '# ktest: [1-9][0-9]* passed, 0 failed'
# The page-zeroing routine: clear_page=NAME forces one (the clear_page
# ktests then run with it as clear_page()); an unknown name is warned about,
# with the valid ones, and the boot times them as without it.
expect_boot clear-page-forced 2 128M 33 "ktest=clear_page. clear_page=movnti" \
	'^clear_page: movnti \(forced by clear_page=\)$' '# ktest: [1-9][0-9]* passed, 0 failed'
expect_boot clear-page-bogus 2 128M 33 "ktest=clear_page. clear_page=bogus" \
	'^clear_page: clear_page=bogus is none of rep-stosb, rep-stosq, movq-unrolled, movnti; timing them instead$' \
	'^clear_page: [a-z-]+ [0-9]+\.[0-9] GB/s \(' '# ktest: [1-9][0-9]* passed, 0 failed'
# The screen console (kernel/tty/fbcon.c, docs/boot.md "The screen console").
# screen-bios / screen-uefi: /bin/screentest (clears, scrolls, colours,
# reverse video, cursor moves that overwrite text, erasing) booted with a
# std VGA display and QEMU's monitor on a socket.  Once it has printed its
# marker, QEMU's screendump must equal, pixel for pixel, what build/host/
# fbshot renders through kernel/tty/vt.c and the same font from the program's
# own bytes (run on the host) at the screendump's size (GRUB may set
# another mode under UEFI).  The screen is painted 20 times a second: up to
# 4 dumps, one a second, before it counts as different.  screen-panic: a
# panic (init missing, no panic=exit: the machine halts) is painted at once
# and the whole serial log, boot messages and report, is on the screen.
# screen_boot NAME UEFI CMDLINE MARKER [host]: the expected bytes are
# screentest's on the host with "host", else the serial log's.
screen_boot() {
	local name=$1 uefi=$2 cmdline=$3 marker=$4 sock="$OUT/$1.sock" shot="$OUT/$1.ppm" want="$OUT/$1.want.ppm"
	selected "$name" || return 0
	if ! make -s --no-print-directory build/host/fbshot >"$OUT/$name.build.log" 2>&1 ||
		{ [ "${5:-}" = host ] && ! build/user/screentest host >"$OUT/$name.bytes"; }; then
		not_ok "$name: building fbshot or running screentest on the host"
		cat "$OUT/$name.build.log"
		return
	fi
	log="$OUT/$name.serial.log"
	rm -f "$sock" "$shot" "$log"
	DISPLAY_DEV=std MONITOR="$sock" boot "$name" 2 256M "$uefi" max 300 "$cmdline" &
	local qpid=$! verdict="no '$marker' on the serial port" w h
	for ((i = 0; i < 1500 * SCALE; i++)); do # 0.2 s steps, as long as the boot's timeout
		grep -q "$marker" "$log" 2>/dev/null && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.2
	done
	if grep -q "$marker" "$log" 2>/dev/null; then
		for try in 1 2 3 4; do
			sleep 1
			rm -f "$shot"
			build/host/fbshot monitor "$sock" "screendump $PWD/$shot" >/dev/null 2>&1
			read -r w h < <(sed -n 2p "$shot" 2>/dev/null)
			verdict="no screendump"
			[ -n "${h:-}" ] || continue
			[ "${5:-}" = host ] || cp "$log" "$OUT/$name.bytes"
			build/host/fbshot render "$OUT/$name.bytes" "$w" "$h" "$want" &&
				verdict=$(build/host/fbshot compare "$want" "$shot") && break
		done
	fi
	build/host/fbshot monitor "$sock" quit >/dev/null 2>&1
	wait $qpid
	if [[ "$verdict" == *"pixels equal" ]]; then
		ok "$name: the screen shows what the font and vt.c draw ($verdict)"
	else
		not_ok "$name: the screen shows what the font and vt.c draw ($verdict; want $want, got $shot)"
		status=0 tail_log
	fi
}
screen_boot screen-bios 0 "init=/bin/screentest quiet" '^SCREENTEST READY' host
screen_boot screen-uefi 1 "init=/bin/screentest quiet" '^SCREENTEST READY' host
screen_boot screen-panic 0 "init=/nonexistent" 'end of report: '
# screen-none: no display device, so no framebuffer: serial only, and not
# a word about the screen.  screen-text: GRUB told to leave EGA text mode
# (gfxpayload=text in a test-only grub.cfg): one warning, serial only.
if selected screen-none; then
	DISPLAY_DEV=none boot screen-none 1 128M 0 max 120 "ktest=boot.symbol"
	if [ "$status" -eq 33 ] && grep -q '^ok 1 boot.symbol_lookup$' "$log.plain" && ! grep -q '^fbcon' "$log.plain"; then
		ok "screen-none: no framebuffer, serial only, no screen message"
	else
		not_ok "screen-none: no framebuffer, serial only, no screen message (status $status)"
		grep '^fbcon' "$log.plain" | sed 's/^/    # /'
		tail_log
	fi
fi
if selected screen-text; then
	tiso="$OUT/screen-text.iso" log="$OUT/screen-text.serial.log"
	status=255
	if make -s --no-print-directory iso ISO="$tiso" CMDLINE="ktest=boot.symbol" >"$OUT/screen-text.build.log" 2>&1 &&
		sed -i 's/^\tboot$/\tset gfxpayload=text\n&/' "${tiso%.iso}.dir/boot/grub/grub.cfg" &&
		grub-mkrescue -o "$tiso" "${tiso%.iso}.dir" >>"$OUT/screen-text.build.log" 2>&1; then
		timeout --foreground -k 5 $((120 * SCALE)) env ISO="$tiso" CPUS=1 MEM=128M UEFI=0 QEMU_CPU=max \
			SERIAL="file:$log" bash scripts/qemu-run.sh </dev/null >"$OUT/screen-text.qemu.log" 2>&1
		status=$?
	fi
	sed -E -e 's/\r$//' -e 's/^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: //' "$log" >"$log.plain" 2>/dev/null
	if [ "$status" -eq 33 ] && grep -q '^ok 1 boot.symbol_lookup$' "$log.plain" &&
		grep -q '^fbcon: the boot loader left EGA text mode (80x25 characters), not a framebuffer; screen console off, serial only$' "$log.plain"; then
		ok "screen-text: an EGA text framebuffer: one warning, serial only"
	else
		not_ok "screen-text: an EGA text framebuffer: one warning, serial only (status $status)"
		tail_log
	fi
fi

# ---- 4. user programs ----
# check_frames NAME: every frame a boot's init used must be back once it
# has been reaped (the kernel prints both counts when init exits).
check_frames() {
	local before after
	read -r before after < <(sed -n 's/^faultline: frames free before init \([0-9]*\), after \([0-9]*\).*/\1 \2/p' "$log.plain")
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		ok "$1: no frames leaked ($before free before and after)"
	else
		not_ok "$1: no frames leaked (before ${before:-?}, after ${after:-?})"
	fi
}
# check_objects NAME: and every kernel object (per kmem_cache, big kmalloc
# and object pool): the kernel prints the totals, then "LEAK cache NAME:
# before A, after B" for each count that differs.
check_objects() {
	local before after
	read -r before after < <(sed -n 's/^faultline: objects in use before init \([0-9]*\), after \([0-9]*\)$/\1 \2/p' "$log.plain")
	if [ -n "$before" ] && [ "$before" = "$after" ] && ! grep -q '^faultline: LEAK cache ' "$log.plain"; then
		ok "$1: no kernel objects leaked ($before in use before and after)"
	else
		not_ok "$1: no kernel objects leaked (before ${before:-?}, after ${after:-?})"
		grep '^faultline: LEAK cache ' "$log.plain" | head -20 | sed 's/^/    # /'
	fi
}

# user_boot NAME CPUS WANT_EXIT CMDLINE PATTERN...: boot a program as init;
# it must exit with status WANT_EXIT (QEMU then exits with 2 * status + 1,
# arch/x86_64/power.c), its output must match every PATTERN, and every
# frame it used must be back when it has been reaped.  A command line with
# mm.lock=MODE adds the test "NAME: kernel ran mm.lock=MODE".
user_boot() {
	local name=$1 cpus=$2 want=$3 cmdline=$4
	shift 4
	selected "$name" || return 0
	boot "$name" "$cpus" 256M 0 max 180 "$cmdline"
	local missing=""
	for p in "$@"; do
		grep -qE -- "$p" "$log.plain" || missing="$missing [$p]"
	done
	if [ "$status" -eq $((2 * want + 1)) ] && grep -q "faultline: init exited with status $want\$" "$log.plain" &&
		[ -z "$missing" ] && ! grep -q '^not ok' "$log.plain"; then
		ok "$name"
	else
		not_ok "$name (QEMU status $status, want $((2 * want + 1)); missing:$missing)"
		grep '^not ok' "$log.plain" | head -10 | sed 's/^/    # /'
		tail_log
	fi
	check_frames "$name"
	check_objects "$name"
	if [[ " $cmdline " =~ " mm.lock="([^ ]*)" " ]]; then
		check_lock_mode "$name" "${BASH_REMATCH[1]}"
	fi
}

# ---- batches: many programs as init in one boot ----
# A boot costs the emulator a second or more (firmware, GRUB, loading the
# initramfs) and most test programs a tenth of that, so the user and oracle
# programs run in batches: one boot per lock mode and CPU count runs each
# program as init in turn (init.batch=DIR:NAME,...; kernel/main.c), each
# reported as a lone init - its exit, its frames and kernel objects against
# a baseline taken just before it, the lock mode it started in - and
# nothing it left running survives into the next.  The log is cut into one
# per program, $OUT/NAME.serial.log(.plain), so every check below reads a
# program's own lines as if it had booted alone.
#
# batch_boot KIND DIR MODE CPUS EXTRA PROGRAM...: boot the selected
# PROGRAMs (test KIND-PROGRAM-MODE-cpusCPUS, or KIND-PROGRAM-EXTRA_TAG-...
# when BATCH_TAG is set) with mm.lock=MODE and EXTRA on the command line;
# sets batch_names (the programs booted) and batch_status (QEMU's).
batch_boot() {
	local kind=$1 dir=$2 mode=$3 cpus=$4 extra=$5
	shift 5
	local tag=${BATCH_TAG:+$BATCH_TAG-} list="" p
	batch_names=()
	for p in "$@"; do
		selected "$kind-$p-$tag$mode-cpus$cpus" || continue
		batch_names+=("$p")
		list="$list${list:+,}$p"
	done
	[ ${#batch_names[@]} -gt 0 ] || return 0
	local name="batch-$kind-$tag$mode-cpus$cpus"
	# 60 s a program at most (the longest race tests take 15 s here)
	boot "$name" "$cpus" 256M 0 max $((60 + 60 * ${#batch_names[@]})) \
		"init.batch=$dir:$list quiet loglevel=6 mm.lock=$mode panic=exit $extra"
	batch_status=$status
	local blog=$log p
	for p in "${batch_names[@]}"; do
		: >"$OUT/$kind-$p-$tag$mode-cpus$cpus.serial.log"
	done
	# one pass: each "batch: running DIR/NAME (" line starts NAME's file
	awk -v pre="$OUT/$kind-" -v post="-$tag$mode-cpus$cpus.serial.log" -v dir="$dir/" '
		{ i = index($0, "faultline: batch: running " dir) }
		i { name = substr($0, i + length("faultline: batch: running " dir)); sub(/ \(.*/, "", name)
			if (out) close(out); out = pre name post }
		out { print > out }' "$blog"
	for p in "${batch_names[@]}"; do
		local f="$OUT/$kind-$p-$tag$mode-cpus$cpus.serial.log"
		sed -E 's/^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: //' "$f" >"$f.plain"
		if [ ! -s "$f" ]; then # never reached: say why, with the batch's end
			echo "(not run: the batch ended before it, QEMU status $batch_status; $blog)" >"$f.plain"
			tail -25 "$blog" >>"$f"
		fi
	done
}
# batch_program NAME: point $log at a batched program's own log (and
# $status at its batch's QEMU status, for tail_log).
batch_program() {
	log="$OUT/$1.serial.log"
	status=$batch_status
}
# check_batch_mode NAME MODE: "NAME: kernel ran mm.lock=MODE" - the mode the
# batch line says the program started in (a program before it that
# switched the mode at run time had to switch it back).
check_batch_mode() {
	local got
	got=$(sed -n 's/^faultline: batch: running .*, mm\.lock=\([^ ]*\)$/\1/p' "$log.plain")
	if [ "$got" = "$2" ]; then
		ok "$1: kernel ran mm.lock=$2"
	else
		not_ok "$1: kernel ran mm.lock=$2 (it started in: ${got:-nothing})"
	fi
}
# batch_user NAME MODE PATTERN...: a batched test program: it exited 0, its
# output matches every PATTERN and has no "not ok" line, its frames and
# objects came back, it ran in MODE.
batch_user() {
	local name=$1 mode=$2 missing=""
	shift 2
	batch_program "$name"
	for p in "$@"; do
		grep -qE -- "$p" "$log.plain" || missing="$missing [$p]"
	done
	if grep -q "^faultline: init exited with status 0\$" "$log.plain" && [ -z "$missing" ] &&
		! grep -q '^not ok' "$log.plain"; then
		ok "$name"
	else
		not_ok "$name ($(grep -m1 -E '^faultline: init (exited|killed)|^\(not run' "$log.plain" || echo 'no exit'); missing:$missing)"
		grep '^not ok' "$log.plain" | head -10 | sed 's/^/    # /'
		tail_log
	fi
	check_frames "$name"
	check_objects "$name"
	check_batch_mode "$name" "$mode"
}

# Each test program checks itself and ends with PASS, on 1, 2 and 4 CPUs,
# in each lock mode: user-NAME-MODE-cpusN - except the race and stress
# tests (RACE_TESTS), which run for seconds each and on 2 and 4 CPUs only:
# on one CPU their threads take turns and race only at preemption, so the
# 1-CPU run repeated the same single-threaded interleavings (trimmed, to
# keep four lock modes inside the suite's time).
USER_TESTS=$(ls build/user/tests/ 2>/dev/null)
RACE_TESTS='^(mm_race_.*|.*_race|.*_storm|maps_concurrent|thread_churn|pipe_exit)$'
for mode in $LOCK_MODES; do
	for cpus in 1 2 4; do
		progs=$USER_TESTS
		[ $cpus = 1 ] && progs=$(grep -vE "$RACE_TESTS" <<<"$USER_TESTS")
		batch_boot user /tests $mode $cpus "" $progs
		for t in "${batch_names[@]}"; do
			batch_user "user-$t-$mode-cpus$cpus" $mode '^PASS$'
		done
	done
done
# The fuzzers (user/fuzz/, docs/robustness.md), each booted as init with a
# fixed seed (reproducible per thread; FUZZ_SEED overrides it) for
# FUZZ_SECONDS (default 10) with mm.debug, on FUZZ_CPUS (default 2 and 4)
# in each lock mode: fuzz-NAME-MODE-cpusN.  The line "fuzz NAME calls=N
# ..." is copied into the test log.  `make fuzz` is the long form.
# fuzz_boot NAME CPUS MODE SEED [SECONDS]
fuzz_boot() {
	local name="fuzz-$1-$3-cpus$2" secs=${5:-${FUZZ_SECONDS:-10}}
	selected "$name" || return 0
	user_boot "$name" "$2" 0 "init=/fuzz/$1 quiet loglevel=6 mm.lock=$3 mm.debug panic=exit -- seconds=$secs seed=$4" \
		'^PASS$' "^fuzz $1 calls=[0-9]+ "
	sed -n "s/^\(fuzz $1 calls=.*\)/    # \1/p" "$log.plain"
}
for mode in $LOCK_MODES; do
	for cpus in ${FUZZ_CPUS:-2 4}; do
		fuzz_boot sysfuzz "$cpus" $mode "${FUZZ_SEED:-11}"
		fuzz_boot mmfuzz "$cpus" $mode "${FUZZ_SEED:-12}"
	done
done
# ---- 5. Linux as the oracle ----
# Each user/oracle program prints what it observes (return values, errno
# names, page contents, its own /proc/self/maps lines).  It runs on the host
# Linux first; then, booted as init on 1, 2 and 4 CPUs, it must print the
# same lines (the serial log without the kernel's "[time] cpuN: " lines) and
# end the same way (exit status or signal), and leak no frames; in each lock
# mode: oracle-NAME-MODE-cpusN.
oracle_host_status() { # bash's $? -> "exit N" / "signal N"
	if [ "$1" -gt 128 ]; then echo "signal $(($1 - 128))"; else echo "exit $1"; fi
}
ORACLES=$(ls build/user/oracle/ 2>/dev/null)
for t in $ORACLES; do # the host's answers, for the programs any case selects
	any=0
	for mode in $LOCK_MODES; do
		for cpus in 1 2 4; do
			selected "oracle-$t-$mode-cpus$cpus" && any=1
		done
	done
	[ $any = 1 ] || continue
	timeout -k 5 120 "build/user/oracle/$t" >"$OUT/oracle-$t.host.out" 2>"$OUT/oracle-$t.host.err" </dev/null
	oracle_host_status $? >"$OUT/oracle-$t.host.status"
done
for mode in $LOCK_MODES; do
	for cpus in 1 2 4; do
		batch_boot oracle /oracle $mode $cpus "" $ORACLES
		for t in "${batch_names[@]}"; do
			name="oracle-$t-$mode-cpus$cpus"
			batch_program "$name"
			hout="$OUT/oracle-$t.host.out"
			hstatus=$(cat "$OUT/oracle-$t.host.status")
			kout="$OUT/$name.out"
			grep -vE '^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: ' "$log" >"$kout"
			kstatus=$(sed -n -e 's/^faultline: init exited with status \([0-9]*\)$/exit \1/p' \
				-e 's/^faultline: init killed by signal \([0-9]*\)$/signal \1/p' "$log.plain")
			if [ "$kstatus" = "$hstatus" ] && diff -u "$hout" "$kout" >"$OUT/$name.diff"; then
				ok "$name: same output as Linux ($(wc -l <"$hout") lines, $hstatus)"
			else
				not_ok "$name: same output as Linux (Linux: $hstatus, faultline: ${kstatus:-none})"
				head -30 "$OUT/$name.diff" | sed 's/^/    # /'
				tail_log
			fi
			check_frames "$name"
			check_objects "$name"
			check_batch_mode "$name" "$mode"
		done
	done
done
# mm.debug: every mmap_write_unlock checks the whole VMA tree (and panics
# on a broken invariant) while threads on 2 CPUs map and unmap, and while
# readers fault on a region another thread unmaps and maps again, in each
# lock mode.  (Not on 4 CPUs: 4 vCPUs on 2 host cores with the checks on
# can outlast the timeout when the host is busy.)
for mode in $LOCK_MODES; do
	BATCH_TAG=debug batch_boot user /tests $mode 2 mm.debug mm_race_private_maps mm_race_fault_munmap mm_race_pt_neighbour mm_race_spf_table mm_race_range
	[ ${#batch_names[@]} -gt 0 ] || continue
	if grep -q '^\[ *[0-9.]*\] cpu0: mm: mm.debug: the VMA tree is checked' "$OUT/batch-user-debug-$mode-cpus2.serial.log"; then
		ok "batch-user-debug-$mode-cpus2: booted with mm.debug"
	else
		not_ok "batch-user-debug-$mode-cpus2: booted with mm.debug"
	fi
	for t in "${batch_names[@]}"; do
		batch_user "user-$t-debug-$mode-cpus2" $mode '^PASS$'
	done
done

# The shell: run a program with arguments, show a failure's status, exit.
# (The leading empty line: the firmware or GRUB may swallow the first
# character typed before the kernel runs.)
INPUT=$'\necho hello from sh\n/tests/sysinfo\ncat /etc/motd\nls /nonexistent\nexit 3' \
	user_boot user-shell 2 3 "quiet" '^(\$ )*hello from sh$' '^PASS$' 'faultline' '\[exit [0-9]+\]'
# The PS/2 keyboard (arch/x86_64/i8042.c, kernel/tty/keymap.c): keys pressed
# through QEMU's monitor (sendkey) reach the shell, with nothing typed on
# the serial port.  Shift, caps lock, backspace and ctrl-u line kill must
# make `echo Hello KBD` of what was typed; then /bin/hexin prints the bytes
# of arrows, Home, Delete, a keypad digit and ctrl-letters (left and right
# ctrl), and ctrl-d ends it; `exit 5` powers off.  The monitor client is
# perl (IO::Socket::UNIX is in perl-base, which every Debian has).
# monitor SOCK CMD...: each command, after the monitor's "(qemu)" prompt.
monitor() {
	timeout 30 perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => shift) or die "monitor: $!\n";
		sub prompt { my $b = ""; sysread($s, $b, 4096, length $b) or die "monitor: closed\n" until $b =~ /\(qemu\) /; }
		prompt();
		for (@ARGV) { print $s "$_\n"; prompt(); }' "$@"
}
# sendkeys TEXT: "sendkey" commands typing TEXT (lower case, digits, blanks).
sendkeys() {
	local i c
	for ((i = 0; i < ${#1}; i++)); do
		c=${1:i:1}
		[ "$c" = " " ] && c=spc
		echo "sendkey $c"
	done
}
# kbd_type SOCK LOG N CMD...: once the serial log ends in the shell's
# N-th "$ " prompt (60 s at most), send the monitor commands.
kbd_type() {
	local sock=$1 log=$2 n=$3 t
	shift 3
	for ((t = 0; t < 600; t++)); do
		[ -S "$sock" ] && [ "$(tail -c 2 "$log" 2>/dev/null)" = '$ ' ] &&
			[ "$(grep -o '\$ ' "$log" | wc -l)" -ge "$n" ] && break
		sleep 0.1
	done
	[ "$t" -lt 600 ] || { echo "no prompt $n in $log"; return 1; }
	monitor "$sock" "$@"
}
if selected kbd-shell; then
	sock="$OUT/kbd-shell.sock"
	rm -f "$sock" "$OUT/kbd-shell.serial.log"
	mapfile -t first < <(sendkeys "xyz"; echo "sendkey ctrl-u"; sendkeys "echo "; echo "sendkey shift-h"
		sendkeys "ello "; echo "sendkey caps_lock"; sendkeys "kbdd"; echo "sendkey backspace"
		echo "sendkey caps_lock"; echo "sendkey ret")
	mapfile -t second < <(sendkeys "hexin"; printf 'sendkey %s\n' ret up down ctrl-a ctrl_r-c home delete kp_2 ret ctrl-d)
	mapfile -t third < <(sendkeys "exit 5"; echo "sendkey ret")
	(kbd_type "$sock" "$OUT/kbd-shell.serial.log" 1 "${first[@]}" &&
		kbd_type "$sock" "$OUT/kbd-shell.serial.log" 2 "${second[@]}" &&
		kbd_type "$sock" "$OUT/kbd-shell.serial.log" 3 "${third[@]}") >"$OUT/kbd-shell.keys.log" 2>&1 &
	kbd_pid=$!
	MONITOR="$sock" user_boot kbd-shell 2 5 "loglevel=7" '^i8042: keyboard on port 1 ' '^Hello KBD$'
	wait "$kbd_pid" || sed 's/^/    # keys: /' "$OUT/kbd-shell.keys.log"
	want='^read 18: 1b 5b 41 1b 5b 42 01 03 1b 5b 31 7e 1b 5b 33 7e 32 0a$'
	if grep -qE "$want" "$log.plain" && grep -qx 'hexin: end of file' "$log.plain"; then
		ok "kbd-shell: arrows, Home, Delete, keypad 2, ctrl-a, right ctrl-c, ctrl-d reach a program as Linux sends them"
	else
		not_ok "kbd-shell: arrows, Home, Delete, keypad 2, ctrl-a, right ctrl-c, ctrl-d reach a program as Linux sends them"
		grep -E '^read |^hexin' "$log.plain" | sed 's/^/    # got: /'
	fi
fi
# No i8042 at all (QEMU's i8042=off): one warning, and the boot goes on.
MACHINE=pc,i8042=off user_boot kbd-absent 1 0 'init=/bin/echo quiet -- the boot goes on' \
	'^i8042: no controller \(.+\); no keyboard$' '^the boot goes on$'
# init= with arguments after " -- ", as Linux passes them.
user_boot user-init-args 1 0 'init=/bin/echo quiet -- one "two words" three' '^one two words three$'
# faulttop (user/faulttop.c) as init, running pfbench beside it in batch
# mode, on 2 CPUs in each lock mode: a refresh and the summary are there,
# faults were counted, the per-CPU faults add up to the total, pfbench's
# status 0 came through as faulttop's (user_boot: frames, objects).
for mode in $LOCK_MODES; do
	name="faulttop-$mode-cpus2"
	user_boot "$name" 2 0 "init=/bin/faulttop quiet loglevel=6 mm.lock=$mode -- -b -- /bench/pfbench mix 2 2" \
		"^faulttop  mode=$mode  cpus=2 " '^mix threads=2 ' '^summary cpu1 faults=' '^summary total faults=[1-9]' \
		'^summary seconds=[0-9.]+ status=0$'
	selected "$name" || continue
	sums=$(awk '/^summary cpu[0-9]+ faults=/ { split($3, f, "="); s += f[2]; n++ }
		/^summary total faults=/ { split($3, f, "="); t = f[2] } END { print n + 0, s + 0, t + 0 }' "$log.plain")
	read -r n s t <<<"$sums"
	if [ "$n" = 2 ] && [ "$t" -gt 0 ] && [ "$s" = "$t" ]; then
		ok "$name: the per-CPU faults add up to the total ($t)"
	else
		not_ok "$name: the per-CPU faults add up to the total ($n CPU lines summing to $s, total $t)"
	fi
done
# A user-supplied initramfs (INITRD=) holding one ordinary pthread program,
# given its arguments on the command line: same output as on the host.
if selected user-foreign-initrd; then
	fdir="$OUT/foreign"
	rm -rf "$fdir" && mkdir -p "$fdir/root"
	if musl-gcc -static -O2 -pthread -o "$fdir/root/prog" tests/initrd/primes.c &&
		sh scripts/mkinitramfs.sh "$fdir/my.cpio" "$fdir/root" && "$fdir/root/prog" 3 30000 >"$fdir/host.out"; then
		INITRD="$fdir/my.cpio" user_boot user-foreign-initrd 2 0 'init=/prog quiet -- 3 30000' \
			"^$(cat "$fdir/host.out")\$"
	else
		not_ok "user-foreign-initrd: building or running it on the host"
	fi
fi
# The boot menu's benchmark table (user/bench/pftable.c): each mode asked
# for in one boot, a figure in every cell, an empty column for a mode the
# kernel lacks, and the ratio columns.
user_boot user-pftable 2 0 'init=/bench/pftable quiet -- -s 1 -m global,vma,nosuch' \
	'^pftable: this kernel has no mm\.lock=nosuch; its column is empty$' \
	'^case +global +vma +nosuch +vma/global +nosuch/global$' \
	'^pf 1 thread +[1-9][0-9]* +[1-9][0-9]* +- +[0-9]+\.[0-9]{2} +-$' \
	'^pf 2 threads +[1-9][0-9]* +[1-9][0-9]* +- ' '^mix 1\+1 mapper ops/s +[1-9][0-9]* +[1-9][0-9]* +- ' \
	'^churn 2 threads ops/s +[1-9][0-9]* +[1-9][0-9]* +- ' '^pftable done: 2 of 3 modes ran$'
# The boot menu's benchmark entries (iso/grub.cfg.in, `make usb`): GRUB
# boots entry 1 (pftable) or 2 (pftable beside faulttop), shortened to 1 s
# a point in two modes, with Enter typed on the serial line for -w.
menu_boot() { # NAME ENTRY PATTERN...
	local name=$1 entry=$2 missing="" p
	shift 2
	selected "$name" || return 0
	local miso="$OUT/$name.iso"
	log="$OUT/$name.serial.log"
	status=255
	if make -s --no-print-directory iso ISO="$miso" CMDLINE= >"$OUT/$name.build.log" 2>&1 &&
		sed -i -e "s/^set default=0$/set default=$entry/" -e 's|/bench/pftable -- -w|/bench/pftable -- -s 1 -m global,vma -w|' \
			-e 's|/bench/pftable -w|/bench/pftable -s 1 -m global,vma -w|' "${miso%.iso}.dir/boot/grub/grub.cfg" &&
		grub-mkrescue -o "$miso" "${miso%.iso}.dir" >>"$OUT/$name.build.log" 2>&1; then
		timeout --foreground -k 5 $((240 * SCALE)) env ISO="$miso" CPUS=2 MEM=256M UEFI=0 QEMU_CPU=max SERIAL=stdio \
			bash scripts/qemu-run.sh <<<$'\n' >"$log" 2>"$OUT/$name.qemu.log"
		status=$?
	fi
	sed -E -e 's/\r$//' -e 's/^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: //' "$log" >"$log.plain" 2>/dev/null
	for p in "$@"; do
		grep -qE -- "$p" "$log.plain" || missing="$missing [$p]"
	done
	if [ "$status" -eq 1 ] && [ -z "$missing" ]; then
		ok "$name"
	else
		not_ok "$name (QEMU status $status, want 1; missing:$missing)"
		tail_log
	fi
}
menu_boot menu-bench 1 '^fault-contention benchmark: 2 CPUs online, 1 s a point, modes: global vma$' '^pf 2 threads +[1-9][0-9]* +[1-9][0-9]* +[0-9]+\.[0-9]{2}$' \
	'^pftable done: 2 of 2 modes ran$' '^press Enter to power off'
menu_boot menu-faulttop 2 '^faulttop summary: /bench/pftable -s 1 -m global,vma -w ' '^pftable done: 2 of 2 modes ran$' \
	'^summary seconds=[0-9.]+ status=0$'
# A program that is not in the archive: a clear panic, not a hang.
expect_boot user-init-missing 1 128M 35 "init=/nonexistent panic=exit" 'cannot run init /nonexistent: error -2'

# ---- 6. the course labs (docs/labs/README.md) ----
# lab-markers: every LAB(name) begin/end marker is well formed, balanced
# and names a lab of docs/labs/labs.txt.  Then for each lab with markers:
# the tree `make lab` writes (build/test/lab-NAME) builds (the kernel and
# the initramfs); its grade is below full marks (its stubs are not a
# no-op; grade.sh --until-fail stops at the first lost point); the full
# tree's grade is full marks.  That last one reuses this run's results
# when the whole suite ran (no TESTS) with no failure before this step:
# every graded case is a case of this suite, run just now (its log is
# checked to be from this run), so each passed.  Otherwise it grades the
# full tree here.
lab_start=$(($(date +%s) - SECONDS)) # when this run began
lab_fail0=$fail
if selected lab-markers; then
	if lab_err=$(bash scripts/lab.sh check 2>&1); then
		ok "lab-markers: every LAB marker well formed, balanced, naming a lab of docs/labs/labs.txt"
	else
		not_ok "lab-markers: every LAB marker well formed, balanced, naming a lab of docs/labs/labs.txt"
		printf '%s\n' "$lab_err" | sed 's/^/    # /'
	fi
fi
for lab in $(awk '$1 == "lab" { print $2 }' docs/labs/labs.txt); do
	selected "lab-$lab" || continue
	lab_t=$SECONDS
	if ! bash scripts/lab.sh list 2>/dev/null | awk -v n="$lab" '$1 == n && NF > 2 { f = 1 } END { exit !f }'; then
		skipped "lab-$lab" "no LAB($lab) markers yet"
		continue
	fi
	ldir="$OUT/lab-$lab"
	# The stripped tree (no git repository of its own: LAB_GIT=0).  Its
	# grade builds it (kernel, initramfs, the host tests graded) and, one
	# lost point being proof, stops at the first test that loses points
	# (--until-fail; labs.txt puts a short test first).
	if ! LAB_GIT=0 bash scripts/lab.sh make "$lab" "$ldir" >"$OUT/lab-$lab.make.log" 2>&1; then
		not_ok "lab-$lab: the stripped tree builds (make lab failed)"
		tail -20 "$OUT/lab-$lab.make.log" | sed 's/^/    # /'
		continue
	fi
	(cd "$ldir" && GRADE_QUIET=1 bash scripts/grade.sh --until-fail) >"$OUT/lab-$lab.grade.log" 2>&1
	if grep -q "^$lab: the tree does not build" "$OUT/lab-$lab.grade.log"; then
		not_ok "lab-$lab: the stripped tree builds"
		head -32 "$OUT/lab-$lab.grade.log" | sed 's/^/    # /'
		continue
	fi
	ok "lab-$lab: the stripped tree builds"
	lab_score=$(sed -n "s/^$lab: Score: //p" "$OUT/lab-$lab.grade.log")
	if [[ "$lab_score" =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ]; then
		ok "lab-$lab: the stripped tree scores below full marks ($lab_score)"
	else
		not_ok "lab-$lab: the stripped tree scores below full marks (${lab_score:-no score}; $OUT/lab-$lab.grade.log)"
	fi
	lab_t2=$SECONDS
	# The full tree: this run's results, when they are all here.
	lab_fresh=1
	while read -r c; do
		case "$c" in host/*) f="$OUT/${c#host/}.log" ;; *) f="$OUT/$c.serial.log" ;; esac
		[ -f "$f" ] && [ "$(stat -c %Y "$f")" -ge "$lab_start" ] || lab_fresh=0
	done < <(awk -v n="$lab" '$1 == "test" && $2 == n { c = $4; sub(/:.*/, "", c); print c }' docs/labs/labs.txt | sort -u)
	if [ "$FILTER" = . ] && [ "$lab_fresh" = 1 ] && [ "$lab_fail0" -eq 0 ]; then
		ok "lab-$lab: the full tree scores full marks (every graded case passed in this run)"
	elif [ "$FILTER" = . ] && [ "$lab_fail0" -ne 0 ]; then
		skipped "lab-$lab: the full tree scores full marks" "$lab_fail0 failures above; make grade LAB=$lab says which are graded"
	else
		lab_score=$(GRADE_QUIET=1 bash scripts/grade.sh "$lab" 2>&1 | tee "$OUT/lab-$lab.full-grade.log" |
			sed -n "s/^$lab: Score: //p")
		if [[ "$lab_score" =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ]; then
			ok "lab-$lab: the full tree scores full marks ($lab_score)"
		else
			not_ok "lab-$lab: the full tree scores full marks (${lab_score:-no score}; $OUT/lab-$lab.full-grade.log)"
		fi
	fi
	echo "    # lab-$lab: stripped tree $((lab_t2 - lab_t)) s, full tree $((SECONDS - lab_t2)) s"
done

# Skips: boot.cmdline_quoting_through_grub needs its own command line, so it
# is skipped in the matrix boots and runs in the cmdline-quoting boot.
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
