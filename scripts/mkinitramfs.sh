#!/bin/sh
# mkinitramfs.sh OUT DIR - pack directory DIR into the newc cpio archive OUT.
#
# The archive is reproducible: names sorted bytewise (so each directory comes
# before its contents), no "./" prefix (entries read "init", "bin", "bin/sh",
# as Linux's gen_init_cpio writes them), owner 0:0, mtime 0, inode numbers
# renumbered, and modes normalised to 0755 (directories and executables) or
# 0644.  DIR itself is left untouched: the tree is copied to a temporary
# directory first, whose mtimes and modes are then reset.
set -eu

if [ $# -ne 2 ] || [ ! -d "$2" ]; then
	echo "usage: $0 OUT DIR" >&2
	exit 2
fi
out=$1
dir=$2

# Write to a temporary name first so a failed run leaves no half archive.
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$tmp" "$abs_out.tmp"' EXIT
trap 'exit 1' INT TERM

cp -R "$dir"/. "$tmp"/
find "$tmp" -mindepth 1 -type d -exec chmod 0755 {} +
find "$tmp" -mindepth 1 -type f -perm /111 -exec chmod 0755 {} +
find "$tmp" -mindepth 1 -type f ! -perm /111 -exec chmod 0644 {} +
find "$tmp" -mindepth 1 -exec touch -h -d @0 {} +

(cd "$tmp" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible -R 0:0 > "$abs_out.tmp")
mv "$abs_out.tmp" "$abs_out"
