# host.mk - host unit tests of the portable kernel code (included by the
# top Makefile).  Each test links the code under test with tests/host/shim.c
# and runs under ASan + UBSan.  The lock-free code also gets a ThreadSanitizer
# build (HOST_TSAN_TESTS: build/host/NAME_tsan, same sources; tsan.h says why
# READ_ONCE/WRITE_ONCE become relaxed atomics there).

HOST_TESTS := test_buddy test_slab test_cmdline test_acpi test_vsnprintf test_memmap \
	test_cpio test_elf test_vma_tree test_epoch test_keymap test_cpumask test_range_lock test_vt
# test_vma_tree_tsan is not built by default: it passes, but takes 36 s here
# (twice the ASan build); `make build/host/test_vma_tree_tsan` builds it.
HOST_TSAN_TESTS := test_epoch test_range_lock
HOST_BIN := $(BUILD)/host

test_buddy_SRC := mm/buddy.c
test_slab_SRC := mm/slab.c
test_cmdline_SRC := kernel/lib/cmdline.c
test_acpi_SRC := arch/x86_64/acpi_parse.c
test_memmap_SRC := arch/x86_64/memmap.c
test_cpio_SRC := kernel/lib/cpio.c
test_elf_SRC := kernel/lib/elf.c
test_vma_tree_SRC := mm/vma_tree.c
test_epoch_SRC := kernel/epoch.c
test_keymap_SRC := kernel/tty/keymap.c
test_cpumask_SRC := # header only: kernel/cpumask.h
test_range_lock_SRC := mm/range_lock.c
test_vt_SRC := kernel/tty/vt.c
# vsnprintf.c's functions are renamed so they do not replace libc's.
test_vsnprintf_SRC := kernel/lib/vsnprintf.c
test_vsnprintf_FLAGS := -Dvsnprintf=k_vsnprintf -Dsnprintf=k_snprintf -Wno-format

host-test: $(addprefix $(HOST_BIN)/,$(HOST_TESTS) $(addsuffix _tsan,$(HOST_TSAN_TESTS)))

$(HOST_BIN)/%: tests/host/%.c tests/host/shim.c tests/host/check.h $$(%_SRC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -MMD -MP $($*_FLAGS) -o $@ $< $($*_SRC) tests/host/shim.c -lpthread
-include $(addprefix $(HOST_BIN)/,$(addsuffix .d,$(HOST_TESTS)))

# ThreadSanitizer: no ASan (the two do not mix); -Wno-tsan: TSan ignores
# atomic_thread_fence (smp_mb) and GCC says so at every one.
HOST_TSAN_CFLAGS := $(filter-out -fsanitize=%,$(HOST_CFLAGS)) -fsanitize=thread -Wno-tsan \
	-include tests/host/tsan.h
$(HOST_BIN)/%_tsan: tests/host/%.c tests/host/shim.c tests/host/check.h tests/host/tsan.h $$(%_SRC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_TSAN_CFLAGS) -MMD -MP $($*_FLAGS) -o $@ $< $($*_SRC) tests/host/shim.c -lpthread
-include $(addprefix $(HOST_BIN)/,$(addsuffix _tsan.d,$(HOST_TSAN_TESTS)))

# The VMA tree's benchmark: optimised, no sanitizers (make bench runs it).
.PHONY: bench-vma-tree
$(HOST_BIN)/bench_vma_tree: tests/host/bench_vma_tree.c mm/vma_tree.c mm/vma_tree.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -DHOST_TEST -I. -o $@ tests/host/bench_vma_tree.c mm/vma_tree.c -lm
bench-vma-tree: $(HOST_BIN)/bench_vma_tree
	$(HOST_BIN)/bench_vma_tree

# fbshot: the screen test's host tool (tests/host/fbshot.c): QEMU monitor
# commands, the expected screen rendered through kernel/tty/vt.c and the font,
# and an exact image comparison.  No sanitizers: it is a tool, not a test.
host-test: $(HOST_BIN)/fbshot
$(HOST_BIN)/fbshot: tests/host/fbshot.c kernel/tty/vt.c kernel/tty/vt.h kernel/tty/font.h $(BUILD)/gen/font_data.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -I. -o $@ tests/host/fbshot.c kernel/tty/vt.c $(BUILD)/gen/font_data.c
