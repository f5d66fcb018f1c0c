#!/usr/bin/env bash
# fresh-debian-check.sh - the brief's promise, checked: on a fresh Debian 12
# with only git, make and gcc, `make test` installs what it needs and passes.
# Builds a minimal Debian 12 with debootstrap in a directory (default
# /tmp/faultline-fresh), clones this repository's HEAD into it and runs
# `make test` there under chroot.  Needs root, debootstrap and the network
# to Debian's mirror.  Not part of `make test` (it takes several minutes).
set -euo pipefail
root=${1:-/tmp/faultline-fresh}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
[ -x "$root/usr/bin/gcc" ] ||
	debootstrap --variant=minbase --include=git,make,gcc,ca-certificates bookworm "$root" http://deb.debian.org/debian
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/root/faultline"
git clone -q "$repo" "$root/root/faultline"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	bash -c 'cd /root/faultline && make test'
