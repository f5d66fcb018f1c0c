# user.mk - the user programs (static musl binaries) and the initramfs.
#
# Included by the top Makefile, or standalone: make -f user/user.mk initramfs
# Every user/*.c becomes $(BUILD)/user/NAME (packed at /bin/NAME, except
# init.c at /init); every user/tests/*.c becomes $(BUILD)/user/tests/NAME
# (packed at /tests/NAME: self-checking, print PASS); every user/oracle/*.c
# becomes $(BUILD)/user/oracle/NAME (packed at /oracle/NAME: print what they
# observe, compared with the same binary's output on the host Linux); every
# user/bench/*.c becomes $(BUILD)/user/bench/NAME (/bench/NAME); every
# user/fuzz/*.c becomes $(BUILD)/user/fuzz/NAME (/fuzz/NAME: the fuzzers,
# sharing user/fuzz/fuzzlib.h; docs/robustness.md).  The helpers in
# user/lib/ are linked into all.

BUILD ?= build
Q ?= @
USER_SAVED_GOAL := $(.DEFAULT_GOAL)

USER_CC := musl-gcc
USER_CFLAGS := -std=gnu11 -static -O2 -g -Wall -Wextra -Werror -pthread -Iuser/lib

USER_LIB_SRC := $(sort $(wildcard user/lib/*.c))
USER_LIB_HDR := $(sort $(wildcard user/lib/*.h))
USER_PROG_NAMES := $(sort $(basename $(notdir $(wildcard user/*.c))))
USER_TEST_NAMES := $(sort $(basename $(notdir $(wildcard user/tests/*.c))))
USER_ORACLE_NAMES := $(sort $(basename $(notdir $(wildcard user/oracle/*.c))))
USER_BENCH_NAMES := $(sort $(basename $(notdir $(wildcard user/bench/*.c))))
USER_FUZZ_NAMES := $(sort $(basename $(notdir $(wildcard user/fuzz/*.c))))
USER_PROGS := $(addprefix $(BUILD)/user/,$(USER_PROG_NAMES))
USER_TESTS := $(addprefix $(BUILD)/user/tests/,$(USER_TEST_NAMES))
USER_ORACLES := $(addprefix $(BUILD)/user/oracle/,$(USER_ORACLE_NAMES))
USER_BENCHES := $(addprefix $(BUILD)/user/bench/,$(USER_BENCH_NAMES))
USER_FUZZERS := $(addprefix $(BUILD)/user/fuzz/,$(USER_FUZZ_NAMES))
USER_BINS := $(USER_PROGS) $(USER_TESTS) $(USER_ORACLES) $(USER_BENCHES) $(USER_FUZZERS)

INITRAMFS := $(BUILD)/initramfs.cpio
INITRAMFS_DIR := $(BUILD)/initramfs.d

.PHONY: user initramfs
user: $(USER_BINS)
initramfs: $(INITRAMFS)

# One compile-and-link step per program: the sources are small.
$(USER_FUZZERS): $(wildcard user/fuzz/*.h)
$(USER_BINS): $(BUILD)/user/%: user/%.c $(USER_LIB_SRC) $(USER_LIB_HDR) user/user.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MUSLCC  $@")
	$(Q)$(USER_CC) $(USER_CFLAGS) -o $@ $< $(USER_LIB_SRC)

# Stage the tree afresh each time (so deleted programs disappear), then pack.
$(INITRAMFS): $(USER_BINS) user/motd scripts/mkinitramfs.sh user/user.mk
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)rm -rf $(INITRAMFS_DIR) && mkdir -p $(INITRAMFS_DIR)/bin $(INITRAMFS_DIR)/tests $(INITRAMFS_DIR)/etc \
		$(INITRAMFS_DIR)/oracle $(INITRAMFS_DIR)/bench $(INITRAMFS_DIR)/fuzz
	$(Q)cp $(BUILD)/user/init $(INITRAMFS_DIR)/init
	$(Q)cp $(filter-out $(BUILD)/user/init,$(USER_PROGS)) $(INITRAMFS_DIR)/bin/
	$(Q)$(if $(USER_TESTS),cp $(USER_TESTS) $(INITRAMFS_DIR)/tests/)
	$(Q)$(if $(USER_ORACLES),cp $(USER_ORACLES) $(INITRAMFS_DIR)/oracle/)
	$(Q)$(if $(USER_BENCHES),cp $(USER_BENCHES) $(INITRAMFS_DIR)/bench/)
	$(Q)$(if $(USER_FUZZERS),cp $(USER_FUZZERS) $(INITRAMFS_DIR)/fuzz/)
	$(Q)cp user/motd $(INITRAMFS_DIR)/etc/motd
	@# Without their DWARF (5.3 -> 3.8 MB): GRUB reads the archive through the
	@# firmware, which costs every boot in the emulator; gdb reads the
	@# unstripped $(BUILD)/user/ files, and the symbol tables stay.
	$(Q)find $(INITRAMFS_DIR) -type f -perm -u+x -exec strip --strip-debug {} +
	$(Q)sh scripts/mkinitramfs.sh $@ $(INITRAMFS_DIR)

# Leave the including Makefile's default goal alone (an empty value lets its
# next rule become the default); standalone, the default is the initramfs.
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),user.mk)
.DEFAULT_GOAL := initramfs
else
.DEFAULT_GOAL := $(USER_SAVED_GOAL)
endif
