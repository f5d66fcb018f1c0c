/* main.c - kmain(): the boot CPU's way from boot.asm to a running SMP
 * kernel, and the per-CPU setup the application processors share.
 *
 *   per-CPU pointer -> serial console -> multiboot2 info -> command line
 *   -> IDT -> early frames -> kernel page tables -> buddy + slab
 *   -> interrupt stacks, GDT/TSS, IST gates -> switch to a guarded stack
 *   -> ACPI (MADT) -> LAPIC + calibration -> IOAPIC (COM1, keyboard) -> smp_call
 *   -> FPU, clocks, random, syscalls, scheduler -> interrupts on -> other CPUs
 *   -> a deliberate crash (crash=), self-tests (ktest), or init from the
 *   initramfs; then this CPU becomes an idle task like the others. */
#include "kernel/epoch.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/i8042.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/rtc.h"
#include "kernel/fs/file.h"
#include "kernel/proc.h"
#include "kernel/random.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/tty/console.h"
#include "kernel/crash.h"
#include "kernel/ktest.h"
#include "kernel/lockstat.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/clear_page.h"
#include "mm/frame.h"
#include "mm/mm.h"
#include "mm/objpool.h"
#include "mm/slab.h"
#include "mm/vmap.h"
#include "mm/zero_bench.h"

extern int console_loglevel;
static uint64_t boot_tsc; /* TSC at kmain entry */

/* Setup every CPU does for itself: descriptor tables, control registers. */
void cpu_init_this(unsigned id)
{
	gdt_init_cpu(id); /* the TSS first: the IDT's IST gates need it */
	percpu_init_this(id); /* loading segments may clear the GS base on some CPUs */
	idt_load();
	uint64_t cr4 = read_cr4();
	cr4 |= (cpu_has_pge ? CR4_PGE : 0) | (cpu_has_smep ? CR4_SMEP : 0) | (cpu_has_smap ? CR4_SMAP : 0);
	write_cr4(cr4);
	write_cr0(read_cr0() | CR0_WP);
	fpu_init_cpu();
	syscall_init_cpu();
}

__noreturn void ap_idle(void)
{
	sched_init_ap();
	irq_enable();
	sched_idle_loop();
}

static void com1_irq(struct trap_frame *tf)
{
	serial_irq();
	tty_input_irq();
}

/* Free frames with every cache emptied: the figure that must come back
 * after a program has run and been reaped.  Also what makes the object
 * counts comparable: dead tasks freed, epoch-deferred frees run (tree
 * nodes, VMAs, page-table pages), and the pools those went to emptied into
 * kfree, so a kmalloc cache counts only objects somebody holds. */
static uint64_t frames_settled(void)
{
	task_reap_dead_wait(true);
	epoch_drain(); /* frees waiting for a grace period, then the pools they went to */
	vma_pools_drain();
	slab_shrink();
	frame_drain_all();
	return frames_free();
}

/* Kernel objects: every kmem_cache (and the big kmallocs, and the object
 * pools, which count what they hand out) must hold as many objects in use
 * once init has been reaped as just before it started.  The totals are the
 * slab's (caches + big kmallocs); a pool's objects are kmalloc objects
 * already in them, so pools only name what leaked. */
struct objects_count {
	uint64_t before, after;
	bool print; /* the second pass: a LEAK line per count that differs */
};

static void count_objects(const struct kmem_stats *s, void *arg)
{
	struct objects_count *n = arg;
	if (n->print && s->active_objs != s->baseline)
		printk(KERN_WARNING "faultline: LEAK cache %s: before %llu, after %llu\n", s->name,
		       (unsigned long long)s->baseline, (unsigned long long)s->active_objs);
	n->before += s->baseline;
	n->after += s->active_objs;
}

static void objects_mark_baseline(void)
{
	slab_mark_baseline();
	objpool_mark_baseline();
}

/* After frames_settled(): the totals line, then a line per difference. */
static void objects_report(void)
{
	struct objects_count n = { 0 };
	slab_for_each_cache(count_objects, &n);
	printk(KERN_WARNING "faultline: objects in use before init %llu, after %llu\n",
	       (unsigned long long)n.before, (unsigned long long)n.after);
	n.print = true;
	slab_for_each_cache(count_objects, &n);
	objpool_for_each(count_objects, &n);
}

/* init.batch=DIR:NAME,NAME,... (tests/run.sh): run DIR/NAME as init, one
 * after another in this one boot, each reported as a lone init is (its
 * exit, its frames and objects against a baseline taken just before it),
 * with a "faultline: batch: running PATH (I of N), mm.lock=MODE" line
 * before each (MODE: the lock mode it starts in); the
 * machine powers off after the last.  What the last init left running is
 * killed and reaped before the next starts, and the tid counter is rewound,
 * so each starts as the first did: same pid, no process but itself.  A
 * boot costs a second or more in the emulator (firmware, GRUB, loading
 * the initramfs) against a tenth for most test programs: batches are what
 * keep every test in every lock mode on 1, 2 and 4 CPUs affordable. */
static struct {
	char names[CMDLINE_MAX_LEN]; /* DIR:NAME,NAME,...; ':' and ',' become NULs */
	const char *dir, *next;     /* next: the next NAME, NULL after the last */
	int index, count;
	int first_tid;              /* what task_tid_next() said before the first init */
	bool reported;              /* the init that ended is reported, its orphans being swept */
} batch;

static uint64_t frames_before_init;

static void spawn_init(const char *path, int argc, const char **argv)
{
	frames_before_init = frames_settled();
	objects_mark_baseline();
	int r = process_spawn_init(path, argc, argv);
	if (r)
		panic("cannot run init %s: error %d", path, r);
	pr_info("faultline: started %s (pid %d)\n", path, init_process->pid);
}

/* Parse init.batch=DIR:NAME,...: false (with a warning) when malformed. */
static bool batch_parse(const char *v)
{
	strlcpy(batch.names, v, sizeof(batch.names));
	char *colon = strchr(batch.names, ':');
	if (!colon || colon == batch.names || !colon[1]) {
		printk(KERN_WARNING "faultline: init.batch=%s is not DIR:NAME,NAME,...; running init= instead\n", v);
		return false;
	}
	*colon = '\0';
	batch.dir = batch.names;
	batch.next = colon + 1;
	batch.count = 1;
	for (char *c = colon + 1; *c; c++)
		if (*c == ',') {
			*c = '\0';
			batch.count++;
		}
	batch.first_tid = task_tid_next();
	return true;
}

/* Start the next init of the batch (no arguments: test programs need none). */
static void batch_start_next(void)
{
	static char path[256]; /* init's argv[0]: must outlive the spawn's copy */
	const char *name = batch.next;
	size_t len = strlen(name);
	batch.next = batch.index + 1 < batch.count ? name + len + 1 : NULL; /* count NULs were commas */
	batch.index++;
	snprintf(path, sizeof(path), "%s/%s", batch.dir, name);
	/* the mode too: a test that switched it must have switched it back */
	printk(KERN_WARNING "faultline: batch: running %s (%d of %d), mm.lock=%s\n", path, batch.index, batch.count,
	       mm_lock_mode_name());
	const char *argv[] = { path, NULL };
	task_tid_rewind(batch.first_tid);
	spawn_init(path, 1, argv);
}

/* Start init from the initramfs: init=PATH (default /init), its arguments
 * the words after " -- " on the command line; or init.batch=. */
static void start_init(void)
{
	if (!boot_info.nmodules) {
		printk(KERN_WARNING "faultline: no initramfs (a multiboot2 module): nothing to run; idling\n");
		return;
	}
	struct boot_module *m = &boot_info.modules[0];
	initramfs_init(phys_to_virt(m->start), m->end - m->start);
	tty_init(); /* the console is the programs' from now on */
	zero_bench(); /* bench.zero: before the frame count, so its frames are back */
	if (cmdline_get("init.batch") && batch_parse(cmdline_get("init.batch"))) {
		batch_start_next();
		return;
	}
	const char *path = cmdline_get("init") ? cmdline_get("init") : "/init";
	const char *argv[CMDLINE_MAX_INIT_ARGS + 1];
	int argc = 0;
	argv[argc++] = path;
	for (int i = 0; i < cmdline_init_argc() && argc < (int)ARRAY_SIZE(argv); i++)
		argv[argc++] = cmdline_init_arg(i);
	spawn_init(path, argc, argv);
}

/* init has exited (CPU 0's idle loop calls this): report and power off -
 * or, in a batch, sweep what it left, report, start the next init and
 * return (called again on each idle pass while orphans are dying). */
void init_finish(void)
{
	struct process *p = init_process;
	static int st;
	if (!batch.reported) {
		st = p->exit_status;
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		list_del(&p->all_node);
		init_process = NULL; /* orphans dying now have no parent left */
		spin_unlock_irqrestore(&proc_tree_lock, f);
		process_free(p);
		batch.reported = true;
	}
	if (batch.count && process_sweep_orphans())
		return; /* SIGKILLed: they die on their CPUs, then we reap them */
	batch.reported = false;
	uint64_t after = frames_settled();
	if (st & 0x7f)
		printk(KERN_WARNING "faultline: init killed by signal %d\n", st & 0x7f);
	else
		printk(KERN_WARNING "faultline: init exited with status %d\n", (st >> 8) & 0xff);
	lockstat_print();
	printk(KERN_WARNING "faultline: frames free before init %llu, after %llu%s\n",
	       (unsigned long long)frames_before_init, (unsigned long long)after,
	       after == frames_before_init ? "" : " (LEAK)");
	objects_report();
	if (batch.next) {
		WRITE_ONCE(init_exited, false);
		batch_start_next();
		return;
	}
	power_off(st & 0x7f ? 128 + (st & 0x7f) : (st >> 8) & 0xff);
}

void call_on_stack(void *arg, void (*fn)(void *), void *stack_top); /* entry.asm */
static __noreturn void kmain_guarded(void *unused);

__noreturn void kmain(uint32_t magic, uint32_t info)
{
	boot_tsc = rdtsc();
	percpu_init_this(0);
	serial_init();
	if (!multiboot2_parse(magic, info)) {
		printk(KERN_EMERG "faultline: not started by a multiboot2 boot loader (magic 0x%x); halting\n", magic);
		halt_forever();
	}
	cmdline_parse(boot_info.cmdline);
	if (cmdline_has("quiet"))
		console_loglevel = 5;
	spin_timeout_ms = (unsigned long)cmdline_get_int("spinlock.timeout_ms", (long)spin_timeout_ms);
	if (cmdline_get("loglevel"))
		console_loglevel = (int)cmdline_get_int("loglevel", console_loglevel);
	pr_info("faultline: booting on %s, command line: %s\n", boot_info.loader[0] ? boot_info.loader : "?",
		boot_info.cmdline);
	spinlock_choose(); /* before any other CPU runs */
	idt_init();
	idt_load();

	frame_early_init();
	paging_init();
	frame_init();
	paging_frames_ready();
	slab_init();
	if (!gdt_alloc_stacks(0))
		panic("out of memory for the boot CPU's interrupt stacks");
	cpu_init_this(0);
	idt_enable_ist();
	/* Leave the boot stack (in .bss, no guard page) for a guarded one. */
	cpus[0].kstack_top = vmap_stack_alloc(KSTACK_PAGES);
	if (!cpus[0].kstack_top)
		panic("out of memory for the boot CPU's stack");
	call_on_stack(NULL, kmain_guarded, cpus[0].kstack_top);
	halt_forever();
}

/* The rest of boot, on the boot CPU's guarded vmap stack. */
static __noreturn void kmain_guarded(void *unused)
{
	acpi_init();
	apic_init_bsp(acpi_info.lapic_phys);
	ioapic_init();
	irq_register(VEC_COM1, com1_irq);
	ioapic_route_isa_irq(4, VEC_COM1, apic_id());
	serial_enable_rx_irq();
	i8042_init(); /* the PS/2 keyboard, if there is one: IRQ 1 into the tty */
	smp_call_init();
	fpu_init_boot();
	rtc_init();
	random_init();
	syscall_table_init();
	futex_init();
	mm_init();
	clear_page_init(); /* times with the TSC (calibrated above), before the other CPUs fault */
	sched_init();

	pr_info("smp: cpu0 online (APIC id %u, the boot CPU)\n", apic_id());
	cpus[0].online = true;
	epoch_cpu_online(0);
	cpumask_set(&cpu_online_mask, 0);
	ncpus_online = 1;
	console_screen_init(); /* the screen console, if GRUB gave a framebuffer */
	irq_enable();
	smp_boot_aps();
	uint64_t boot_ms = tsc_to_ns(rdtsc() - boot_tsc) / 1000000;
	pr_info("faultline: all CPUs online: %u CPUs, %llu MiB free, %llu ms since kmain\n", ncpus_online,
		(unsigned long long)(frames_free() >> 8), (unsigned long long)boot_ms);

	if (cmdline_has("crash"))
		crash(cmdline_get("crash"));
	if (cmdline_has("ktest"))
		ktest_run(cmdline_get("ktest"));
	start_init();
	sched_idle_loop();
}
