#!/usr/bin/env bash
# qemu-run.sh - boot a faultline ISO in QEMU.  Used by `make qemu`,
# `make qemu-gdb` and tests/run.sh, so all three boot the same machine.
# Environment: ISO (required), CPUS, MEM, UEFI=1, QEMU_CPU, SERIAL (a QEMU
# -serial argument; default mon:stdio), GDB=1 (wait for gdb on :1234).
# KERNEL=bzImage INITRD=cpio APPEND='cmdline' boot that kernel instead of
# the ISO (`make bench-linux`: Linux on the very machine faultline gets).
# QEMU's exit status is passed through: 33 / 35 are the kernel's success /
# failure through isa-debug-exit (arch/x86_64/power.h).
set -u
[ -n "${KERNEL:-}" ] || : "${ISO:?ISO is required}"
CPUS=${CPUS:-4}
MEM=${MEM:-512M}
UEFI=${UEFI:-0}
QEMU_CPU=${QEMU_CPU:-max}
SERIAL=${SERIAL:-mon:stdio}
args=(-machine pc -cpu "$QEMU_CPU" -smp "$CPUS" -m "$MEM" -accel tcg,thread=multi
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
[ "$SERIAL" != mon:stdio ] && args+=(-monitor none)
exec qemu-system-x86_64 "${args[@]}"
