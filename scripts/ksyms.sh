#!/bin/sh
# ksyms.sh - turn `nm -n kernel.elf` output (file $1, or - for stdin) into an
# assembly file holding the kernel's function symbols sorted by address:
#   ksyms_count, ksyms_addrs[] (quad), ksyms_name_off[] (long), ksyms_names (strings)
# kernel/ksyms.c looks addresses up in it for backtraces.
in="$1"
[ "$in" = "-" ] && in=/dev/stdin
awk 'BEGIN { n = 0 }
NF == 3 && ($2 == "T" || $2 == "t") {
	if ($3 ~ /^\./ || $3 ~ /^\$/) next
	addr[n] = $1; name[n] = $3; n++
}
END {
	print "\t.section .ksyms,\"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count"
	print "ksyms_count:\t.quad " n+0
	print "\t.globl ksyms_addrs"
	print "ksyms_addrs:"
	for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
	print "\t.globl ksyms_name_off"
	print "ksyms_name_off:"
	off = 0
	for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
	print "\t.globl ksyms_names"
	print "ksyms_names:"
	for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
	print "\t.section .note.GNU-stack,\"\",@progbits"
}' "$in"
