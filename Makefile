# faultline - top-level build.  `make qemu` boots it, `make test` tests it.
# Both first run `make deps`, which installs missing Debian packages.
#
# Variables: CPUS (default 4), MEM (default 512M), UEFI=1 (boot under OVMF),
# CMDLINE='...' (kernel command line), QEMU_CPU (default max), V=1 (verbose),
# INITRD=FILE (a newc cpio archive to boot instead of the built initramfs).
# `make bench`: BENCH_SECONDS (per case, default 3), BENCH_CMDLINE (extra
# kernel parameters for the benchmark boots, e.g. mm.lock=vma), BENCH_CPUS
# (default "1 2 4"), BENCH_RUNS (default 3).  `make bench-linux`: the same
# with Linux kernels as extra columns, LINUX=bzImage (default: Debian's).

CPUS ?= 4
MEM ?= 512M
UEFI ?= 0
CMDLINE ?=
QEMU_CPU ?= max
BUILD := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

# A cross compiler when there is one, else the host gcc in freestanding mode.
CROSS := $(shell command -v x86_64-elf-gcc >/dev/null 2>&1 && echo x86_64-elf-)
CC := $(CROSS)gcc
LD := $(CROSS)ld
NM := $(CROSS)nm
NASM := nasm

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -nostdlib -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-optimize-sibling-calls -fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-fno-delete-null-pointer-checks \
	-Wall -Wextra -Werror -Wno-unused-parameter -I. -MMD -MP
KLDFLAGS := -nostdlib -n -z max-page-size=0x1000 -T arch/x86_64/kernel.ld --no-warn-rwx-segments -z noexecstack

# Kernel sources: every .c and .asm under these directories (README
# "Repository layout" says what each holds).
KDIRS := boot arch/x86_64 kernel kernel/fs kernel/lib kernel/tty mm
KSRC_C := $(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.c)))
KSRC_ASM := $(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.asm)))
KOBJS := $(patsubst %.c,$(BUILD)/%.o,$(KSRC_C)) $(patsubst %.asm,$(BUILD)/%.o,$(KSRC_ASM))

ISO ?= $(BUILD)/faultline.iso
# Seconds GRUB shows its menu (the shell, the benchmark, the benchmark beside
# faulttop; iso/grub.cfg.in): 0 boots the first entry at once.
MENU_TIMEOUT ?= 0
ISODIR := $(ISO:.iso=.dir)

# The user programs and the initramfs they are packed into (user/user.mk).
include user/user.mk
INITRD ?= $(INITRAMFS)

.PHONY: all iso kernel qemu qemu-gdb test host-test bench bench-linux deps clean compile_commands.json
all: iso

kernel: $(BUILD)/kernel.elf
iso: $(ISO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf64 -g -F dwarf -MD $(BUILD)/$*.d -MP $< -o $@

# Two-pass link: the first gives the addresses of all functions, from which
# scripts/ksyms.sh generates the symbol table that backtraces print; the
# table sits in the last section, so adding it moves no code.
$(BUILD)/ksyms0.o: scripts/ksyms.sh
	@mkdir -p $(BUILD)
	$(Q)sh scripts/ksyms.sh /dev/null > $(BUILD)/ksyms0.S && $(CC) -c $(BUILD)/ksyms0.S -o $@
$(BUILD)/kernel0.elf: $(KOBJS) $(BUILD)/ksyms0.o arch/x86_64/kernel.ld
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms0.o
$(BUILD)/kernel.elf: $(BUILD)/kernel0.elf scripts/ksyms.sh
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(NM) -n $< | sh scripts/ksyms.sh - > $(BUILD)/ksyms.S
	$(Q)$(CC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms.o
	$(Q)$(NM) -n $@ | grep -i ' t ' > $(BUILD)/text1.txt; $(NM) -n $< | grep -i ' t ' > $(BUILD)/text0.txt; \
		cmp -s $(BUILD)/text0.txt $(BUILD)/text1.txt || { echo "ksyms: code moved between link passes"; rm -f $@; exit 1; }

# The ISO: GRUB (BIOS and UEFI) + kernel; grub.cfg carries CMDLINE.
# (The config is rewritten only when CMDLINE changes, so the ISO is rebuilt
# only when the kernel or the command line changed.)
$(ISODIR)/boot/grub/grub.cfg: iso/grub.cfg.in FORCE
	@mkdir -p $(dir $@)
	$(Q)CMDLINE='$(subst ','\'',$(CMDLINE))' awk '{ i = index($$0, "@CMDLINE@"); \
		if (i) $$0 = substr($$0, 1, i - 1) ENVIRON["CMDLINE"] substr($$0, i + 9); \
		sub(/@MENU_TIMEOUT@/, "$(MENU_TIMEOUT)"); print }' $< > $@.tmp && \
		{ cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }
$(ISO): $(BUILD)/kernel.elf $(ISODIR)/boot/grub/grub.cfg $(INITRD)
	@$(if $(Q),echo "  ISO     $@")
	$(Q)cp $(BUILD)/kernel.elf $(ISODIR)/boot/kernel.elf
	$(Q)cp $(INITRD) $(ISODIR)/boot/initramfs.cpio
	$(Q)grub-mkrescue -o $@ $(ISODIR) >$(ISO).log 2>&1 || { cat $(ISO).log; exit 1; }
FORCE:

# The ISO for a USB stick (docs/hardware.md): GRUB's menu on the screen
# for 10 s, so that the benchmark entries can be chosen.
.PHONY: usb
usb: deps
	$(Q)$(MAKE) --no-print-directory iso ISO=$(BUILD)/faultline-usb.iso MENU_TIMEOUT=10
	@echo "usb: $(BUILD)/faultline-usb.iso - write it with dd (docs/hardware.md)"

# KVM=auto|0|1 (scripts/qemu-run.sh): KVM when /dev/kvm can be used.
KVM ?= auto
export KVM
QEMU_ENV = ISO=$(ISO) CPUS=$(CPUS) MEM=$(MEM) UEFI=$(UEFI) QEMU_CPU=$(QEMU_CPU)

qemu: deps
	$(Q)$(MAKE) --no-print-directory iso
	@echo "*** faultline on QEMU: CPUS=$(CPUS) MEM=$(MEM) UEFI=$(UEFI); quit with Ctrl-A X"
	@# QEMU's status: 2 * init's exit status + 1 (isa-debug-exit), 0 after
	@# Ctrl-A X, 1 for QEMU's own errors; 2: qemu-run.sh refused (it said why)
	$(Q)$(QEMU_ENV) bash scripts/qemu-run.sh; st=$$?; \
		if [ $$st -eq 2 ]; then exit 2; fi; \
		[ $$st -le 1 ] || echo "*** QEMU exited with status $$st (init's exit status $$(((st - 1) / 2)))"

qemu-gdb: deps
	$(Q)$(MAKE) --no-print-directory iso
	@echo "*** QEMU waits for gdb: run 'gdb' in another terminal in this directory (see .gdbinit)"
	-$(Q)$(QEMU_ENV) GDB=1 bash scripts/qemu-run.sh

# Host unit tests of portable code, with ASan and UBSan.
HOSTCC := gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wno-unused-parameter -I.
.SECONDEXPANSION:
include tests/host/host.mk

test: deps
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) all host-test
	$(Q)bash tests/run.sh

# The page-fault benchmark on 1, 2 and 4 CPUs and on the host: one table of
# figures, CSV and plots in build/bench/ (scripts/bench.sh; README
# "Benchmarks").  bench-linux adds Linux on the same QEMU machine
# (scripts/bench-linux.sh).
BENCH_SECONDS ?= 3
BENCH_CMDLINE ?=
BENCH_CPUS ?= 1 2 4
BENCH_RUNS ?= 3
BENCH_ENV = BENCH_SECONDS='$(BENCH_SECONDS)' BENCH_CMDLINE='$(BENCH_CMDLINE)' BENCH_CPUS='$(BENCH_CPUS)' \
	BENCH_RUNS='$(BENCH_RUNS)' MAKE='$(MAKE)'
bench: deps
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) all
	$(Q)$(BENCH_ENV) bash scripts/bench.sh

bench-linux: deps
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) all
	$(Q)$(BENCH_ENV) LINUX='$(LINUX)' bash scripts/bench-linux.sh

deps:
	$(Q)bash scripts/deps.sh

compile_commands.json:
	$(Q)bash scripts/compile_commands.sh "$(CC) $(KCFLAGS)" $(KSRC_C) > $@

clean:
	rm -rf $(BUILD)

-include $(KOBJS:.o=.d)

# The screen console's font (kernel/tty/font.h): a Linux console font (PSF1 or
# PSF2; default Terminus, SIL OFL 1.1, from Debian's console-setup-linux)
# converted to C at build time by scripts/psf2c.c; FONT=path.psf[.gz]
# picks another.  The generated C is never committed.
FONT ?= /usr/share/consolefonts/Uni2-Terminus16.psf.gz
KOBJS += $(BUILD)/gen/font_data.o
$(BUILD)/kernel0.elf $(BUILD)/kernel.elf: $(BUILD)/gen/font_data.o
$(BUILD)/host/psf2c: scripts/psf2c.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<
$(BUILD)/gen/font_data.c: $(FONT) $(BUILD)/host/psf2c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PSF2C   $<")
	$(Q)zcat -f $< | $(BUILD)/host/psf2c > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/font_data.o: $(BUILD)/gen/font_data.c kernel/tty/font.h
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

# The epoch torture (kernel/epoch_test.c, README "Epoch torture"): the
# ktest suite epoch on CPUS (default 4), with the pipeline running
# TORTURE_SECONDS and the synchronize / barrier cases a quarter each.
TORTURE_SECONDS ?= 60
.PHONY: torture
torture: deps
	$(Q)$(MAKE) --no-print-directory iso ISO=$(BUILD)/torture.iso CMDLINE='ktest=epoch epoch.torture_seconds=$(TORTURE_SECONDS)'
	$(Q)status=0; timeout --foreground -k 5 $$(( $(TORTURE_SECONDS) * 3 + 120 )) env ISO=$(BUILD)/torture.iso \
		CPUS=$(CPUS) MEM=256M UEFI=0 QEMU_CPU=max SERIAL=file:$(BUILD)/torture.log \
		bash scripts/qemu-run.sh </dev/null >/dev/null 2>&1 || status=$$?; \
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] cpu[0-9]+: //' $(BUILD)/torture.log | grep -E '^(ok|not ok|    #|# ktest)|panic|BUG'; \
	if [ $$status -eq 33 ]; then echo "torture: PASS"; else echo "torture: FAIL (QEMU status $$status; log $(BUILD)/torture.log)"; exit 1; fi

# The fuzzers (user/fuzz/, docs/robustness.md, README "Fuzzing"): sysfuzz
# and mmfuzz booted as init in each lock mode with mm.debug, on CPUS, for
# SECONDS each (default 60), with SEED (default: the time; print it to
# repeat a run).  The QEMU timeouts scale with SECONDS.
SECONDS ?= 60
SEED ?= $(shell date +%s)
FUZZ_SEED_NOW := $(SEED)
.PHONY: fuzz
fuzz: deps
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) all
	$(Q)echo "fuzz: SECONDS=$(SECONDS) SEED=$(FUZZ_SEED_NOW) CPUS=$(CPUS)"
	$(Q)TESTS='^fuzz-' FUZZ_SECONDS='$(SECONDS)' FUZZ_SEED='$(FUZZ_SEED_NOW)' FUZZ_CPUS='$(CPUS)' \
		TIMEOUT_SCALE=$$(( $(SECONDS) / 60 + 2 )) bash tests/run.sh

# The course labs (docs/labs/README.md).  `make lab LAB=NAME` writes
# build/lab-NAME/, this tree with lab NAME's code replaced by stubs
# (LATER=stub: every later lab's too; scripts/lab.sh list names them);
# `make grade` grades the lab a tree was made for, `make grade LAB=NAME`
# one lab, in the full tree every lab (scripts/grade.sh; exit status 0
# only at full marks).
LAB ?=
LATER ?= keep
.PHONY: lab grade
lab:
	$(Q)test -n "$(LAB)" || { echo "usage: make lab LAB=NAME; the labs:"; bash scripts/lab.sh list; exit 2; }
	$(Q)LATER='$(LATER)' bash scripts/lab.sh make $(LAB)
grade: deps
	$(Q)bash scripts/grade.sh $(LAB)
