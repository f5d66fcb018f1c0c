#!/usr/bin/env bash
# qemu-run.sh - boot a faultline ISO in QEMU.  Used by `make qemu`,
# `make qemu-gdb` and tests/run.sh, so all three boot the same machine.
# Environment: ISO (required), CPUS, MEM, UEFI=1, QEMU_CPU, SERIAL (a QEMU
# -serial argument; default mon:stdio), GDB=1 (wait for gdb on :1234),
# MONITOR=path (QEMU's monitor on a unix socket at path, for tests that
# send keys or take a screendump), DISPLAY_DEV=name (a display device such
# as std or virtio for -vga; default: QEMU's own, std for -machine pc),
# MACHINE (the -machine argument; default pc; pc,i8042=off: no keyboard).
# KERNEL=bzImage INITRD=cpio APPEND='cmdline' boot that kernel instead of
# the ISO (`make bench-linux`: Linux on the very machine faultline gets).
# KVM: unset or auto - KVM when /dev/kvm can be used, else TCG; 0 - TCG
# always; 1 - KVM or fail, saying why it cannot.  Under KVM the CPU model
# `max` becomes `-cpu host`.  One line on stderr says which accelerator ran.
# QEMU's exit status is passed through: 33 / 35 are the kernel's success /
# failure through isa-debug-exit (arch/x86_64/power.h).
set -u
[ -n "${KERNEL:-}" ] || : "${ISO:?ISO is required}"
CPUS=${CPUS:-4}
MEM=${MEM:-512M}
UEFI=${UEFI:-0}
QEMU_CPU=${QEMU_CPU:-max}
SERIAL=${SERIAL:-mon:stdio}
KVM=${KVM:-auto}
# Why KVM cannot be used here (nothing when it can).
kvm_unusable() {
	if [ ! -e /dev/kvm ]; then
		echo "no /dev/kvm (the host kernel has no KVM, or this is a VM without nested virtualisation)"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not readable and writable by $(id -un) (join group $(stat -c %G /dev/kvm))"
	fi
}
why=$(kvm_unusable)
case "$KVM" in
0) accel=(-accel tcg,thread=multi) ;;
1)
	if [ -n "$why" ]; then
		echo "qemu-run: KVM=1 but KVM cannot be used: $why" >&2
		exit 2
	fi
	accel=(-accel kvm) ;;
auto) if [ -z "$why" ]; then accel=(-accel kvm); else accel=(-accel tcg,thread=multi); fi ;;
*)
	echo "qemu-run: KVM must be 0, 1 or auto, not '$KVM'" >&2
	exit 2 ;;
esac
if [ "${accel[1]}" = kvm ]; then
	[ "$QEMU_CPU" = max ] && QEMU_CPU=host
	echo "qemu-run: accelerator KVM (-cpu $QEMU_CPU)" >&2
else
	echo "qemu-run: accelerator TCG (-cpu $QEMU_CPU)${why:+; not KVM: $why}" >&2
fi
args=(-machine "${MACHINE:-pc}" -cpu "$QEMU_CPU" -smp "$CPUS" -m "$MEM" "${accel[@]}"
	-no-reboot -display none -serial "$SERIAL"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -n "${KERNEL:-}" ]; then
	args+=(-kernel "$KERNEL" -initrd "${INITRD:?INITRD is required with KERNEL}" -append "${APPEND:-}")
else
	args+=(-cdrom "$ISO" -boot d)
fi
if [ "$UEFI" = 1 ]; then
	vars="${ISO%.iso}.ovmf-vars.fd"
	cp /usr/share/OVMF/OVMF_VARS.fd "$vars"
	args+=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd
		-drive if=pflash,format=raw,file="$vars")
fi
[ "${GDB:-0}" = 1 ] && args+=(-s -S)
[ -n "${DISPLAY_DEV:-}" ] && args+=(-vga "$DISPLAY_DEV")
if [ -n "${MONITOR:-}" ]; then
	args+=(-monitor "unix:$MONITOR,server=on,wait=off")
elif [ "$SERIAL" != mon:stdio ]; then
	args+=(-monitor none)
fi
exec qemu-system-x86_64 "${args[@]}"
