#!/usr/bin/env bash
# deps.sh - install the Debian packages faultline needs, if any are missing.
# Run by `make deps`, and first thing by `make qemu` and `make test`.
# `deps.sh gnuplot`: the optional gnuplot-nox instead, which only the bench
# targets' plots use (scripts/bench.sh; not a dependency of `make test`).
set -euo pipefail
# package : a file it installs (checked instead of dpkg, so it also works
# where tools came from elsewhere)
need=(
	"qemu-system-x86:/usr/bin/qemu-system-x86_64"
	"nasm:/usr/bin/nasm"
	"grub-pc-bin:/usr/lib/grub/i386-pc/multiboot2.mod"
	"grub-efi-amd64-bin:/usr/lib/grub/x86_64-efi/multiboot2.mod"
	"grub-common:/usr/bin/grub-mkrescue"
	"xorriso:/usr/bin/xorriso"
	"mtools:/usr/bin/mformat"
	"ovmf:/usr/share/OVMF/OVMF_CODE.fd"
	"musl-tools:/usr/bin/musl-gcc"
	"cpio:/usr/bin/cpio"
	"gcc:/usr/bin/gcc"
	"libc6-dev:/usr/include/stdio.h"
	"binutils:/usr/bin/ld"
	"make:/usr/bin/make"
	"console-setup-linux:/usr/share/consolefonts/Uni2-Terminus16.psf.gz"
)
[ "${1:-}" = gnuplot ] && need=("gnuplot-nox:/usr/bin/gnuplot")
missing=()
for n in "${need[@]}"; do
	[ -e "${n#*:}" ] || missing+=("${n%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: not root and no sudo; install them by hand" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
