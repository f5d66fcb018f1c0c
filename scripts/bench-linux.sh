#!/usr/bin/env bash
# bench-linux.sh - `make bench-linux`: `make bench` (scripts/bench.sh) with
# Linux kernels booted on the same QEMU machine as faultline (qemu-run.sh:
# same -machine, -cpu max, -smp, -m, TCG) and the same static pfbench as
# /init, their columns in the same table, CSV and plots.
#
# The kernels: LINUX=/path/to/bzImage (any bzImage or vmlinuz; its
# CONFIG_PER_VMA_LOCK is read from a config beside it - config-VERSION,
# .config, or the tree's .config for arch/x86/boot/bzImage - else
# "unknown"), else the newest Debian linux-image-6.1.0-NN-cloud-amd64-unsigned
# and linux-image-6.12.NNN+deb12-cloud-amd64-unsigned that apt-cache knows,
# fetched with `apt-get download` into build/linux/ (BENCH_LINUX_DIR) once
# and unpacked there with `dpkg -x`; BENCH_LINUX_DOWNLOAD=0 uses only what
# that directory already holds.  No kernel: one line saying so, and
# faultline's table all the same.
#
# The initramfs (build/bench/linux-initramfs.cpio, newc): pfbench as /init,
# nothing else is needed.  Linux opens /dev/console for init's stdio from
# the rootfs, and the initramfs built into every kernel whose
# CONFIG_INITRAMFS_SOURCE is empty (Debian's included) already holds
# /dev/console (usr/default_cpio_list), unpacked before ours; a dev/console
# node (c 5 1) is added as well when mknod works (root), for kernels with
# their own built-in initramfs.  No /proc is needed: musl's
# sysconf(_SC_NPROCESSORS_ONLN) uses sched_getaffinity, and pfbench reads
# /proc/mmstat only when it is there.  Kernel command line:
# console=ttyS0 panic=-1 quiet [transparent_hugepage=never] -- all SECONDS;
# pfbench powers the guest off when done (so QEMU exits 0), and should it
# die, panic=-1 and QEMU's -no-reboot end the run.
set -u
cd "$(dirname "$0")/.." || exit 2
DIR=${BENCH_LINUX_DIR:-build/linux}
OUT=build/bench
mkdir -p "$OUT" "$DIR"
list=$OUT/linux-kernels.tsv
: >"$list"

# config_value CONFIG NAME: y, n (not set) or unknown (no config)
config_value() {
	[ -f "$1" ] || { echo unknown; return; }
	sed -n "s/^CONFIG_$2=\(.*\)/\1/p; s/^# CONFIG_$2 is not set/n/p" "$1" | grep . || echo n
}
thp_default() {
	[ -f "$1" ] || { echo unknown; return; }
	for t in always madvise never; do
		grep -qi "^CONFIG_TRANSPARENT_HUGEPAGE_$t=y" "$1" && { echo "$t"; return; }
	done
	grep -q '^CONFIG_TRANSPARENT_HUGEPAGE=y' "$1" && echo unknown || echo none
}
# The version string in a bzImage's setup header (a pointer at 0x20e, + 0x200).
kernel_version() {
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" 2>/dev/null | tr -d ' ')
	[ -n "$off" ] && dd if="$1" bs=1 skip=$((off + 0x200)) count=64 status=none 2>/dev/null | tr '\0' '\n' | head -1 | cut -d' ' -f1
}
# series_label VERSION: linux-MAJOR.MINOR
series_label() {
	local mm=${1%%[!0-9.]*}
	mm=${mm%.*}
	case "$mm" in *.*) echo "linux-$mm" ;; *) echo "linux-${1%%[!0-9.]*}" ;; esac
}
add() { # add LABEL BZIMAGE CONFIG
	local pv
	pv=$(config_value "$3" PER_VMA_LOCK)
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$pv" "$(thp_default "$3")" >>"$list"
	echo "bench-linux: $1: $2 (CONFIG_PER_VMA_LOCK=$pv)" >&2
}

if [ -n "${LINUX:-}" ]; then
	if [ ! -f "$LINUX" ] || ! od -An -c -j $((0x202)) -N4 "$LINUX" 2>/dev/null | tr -d ' ' | grep -q HdrS; then
		echo "bench-linux: LINUX=$LINUX is not a bzImage (no file, or no x86 boot header): faultline only" >&2
	else
		ver=$(kernel_version "$LINUX")
		d=$(dirname "$LINUX")
		cfg=""
		for c in "$d/config-$ver" "$d/.config" "$d/../../../.config"; do
			[ -n "$ver" ] || [ "$c" != "$d/config-" ] || continue
			[ -f "$c" ] && { cfg=$c; break; }
		done
		label=linux
		[ -n "$ver" ] && label=$(series_label "$ver")
		add "$label" "$LINUX" "$cfg"
	fi
else
	for series in '6\.1\.0-[0-9]+' '6\.12\.[0-9]+\+deb[0-9]+'; do
		pkg=$(apt-cache search --names-only "^linux-image-$series-cloud-amd64-unsigned\$" 2>/dev/null | cut -d' ' -f1 | sort -V | tail -1)
		deb=""
		[ -n "$pkg" ] && deb=$(find "$DIR" -maxdepth 1 -name "${pkg}_*.deb" | head -1)
		if [ -n "$pkg" ] && [ -z "$deb" ] && [ "${BENCH_LINUX_DOWNLOAD:-1}" != 0 ]; then
			echo "bench-linux: apt-get download $pkg" >&2
			(cd "$DIR" && apt-get download -q "$pkg" >download.log 2>&1)
			deb=$(find "$DIR" -maxdepth 1 -name "${pkg}_*.deb" | head -1)
		fi
		# Without a package name (apt-cache), or the download failing: the
		# newest of that series already in the directory.
		[ -n "$deb" ] || deb=$(find "$DIR" -maxdepth 1 -name "linux-image-*-cloud-amd64-unsigned_*.deb" |
			grep -E "/linux-image-$series-cloud" | sort -V | tail -1)
		[ -n "$deb" ] || continue
		x=${deb%.deb}
		[ -d "$x/boot" ] || dpkg -x "$deb" "$x" || continue
		vmlinuz=$(find "$x/boot" -name 'vmlinuz-*' | head -1)
		[ -n "$vmlinuz" ] || continue
		ver=${vmlinuz##*/vmlinuz-}
		add "$(series_label "$ver")" "$vmlinuz" "$x/boot/config-$ver"
	done
	[ -s "$list" ] || echo "bench-linux: no Linux kernel (no Debian linux-image-*-cloud-amd64-unsigned package could be had): faultline only; give one with LINUX=/path/to/bzImage" >&2
fi

if [ -s "$list" ]; then
	# pfbench as /init (and dev/console when mknod works: see the top)
	ir=$(mktemp -d)
	cp build/user/bench/pfbench "$ir/init"
	mkdir "$ir/dev"
	mknod "$ir/dev/console" c 5 1 2>/dev/null
	(cd "$ir" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$OUT/linux-initramfs.cpio"
	rm -rf "$ir"
fi
BENCH_LINUX=$list BENCH_LINUX_INITRD=$OUT/linux-initramfs.cpio exec bash scripts/bench.sh
