# .gdbinit - debug faultline under `make qemu-gdb`.
# gdb may refuse to load this file unless you allow it once:
#   echo "add-auto-load-safe-path $(pwd)/.gdbinit" >> ~/.gdbinit
#
# QEMU starts halted at the reset vector in 16-bit mode.  Software
# breakpoints set before the switch to long mode do not work reliably, and
# gdb gets confused when the CPU changes mode under it, so: set a hardware
# breakpoint at kmain (reached in 64-bit mode), continue, and debug from there.
set architecture i386:x86-64
file build/kernel.elf
target remote localhost:1234
hbreak kmain
echo \n*** faultline: connected; `continue` runs to kmain (hardware breakpoint).\n
echo *** Then use ordinary breakpoints: `break panic`, `break die`, ...\n
