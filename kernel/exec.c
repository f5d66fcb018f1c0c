/* exec.c - execve: replace a process's program with an ELF file from the
 * initramfs, and start init the same way.
 *
 * The new image is built completely in a fresh mm before the old one is
 * touched, so a failing execve returns an error to a process that is still
 * intact.  The initial stack is what the System V x86-64 ABI and Linux
 * give a static program (from the top): the program path (AT_EXECFN), the
 * argument and environment strings, 16 random bytes (AT_RANDOM), padding
 * to 16 bytes, then auxv, envp[], argv[] and argc at the stack pointer.
 * A process with several threads first ends all but the caller (Linux's
 * de_thread), once the new image is known to be good. */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/elf.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/proc.h"
#include "kernel/random.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "mm/frame.h"
#include "mm/mm.h"

#define ARGS_ORDER 5                       /* 128 KiB for argument and environment strings */
#define ARGS_MAX (PAGE_SIZE << ARGS_ORDER)
#define MAX_ARGS 4096                      /* argv + envp entries */
#define STACK_EXPAND (128ul << 10)         /* the stack below the arguments at exec (Linux's stack_expand) */
#define PIE_BASE 0x555555554000ul          /* where Linux puts a PIE without ASLR */
#define MMAP_BASE (USER_TOP - (128ul << 20)) /* mmap top-down from here, as Linux (8 MiB stack, 128 MiB gap) */

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

/* Argument strings gathered in kernel memory: argc strings then envc. */
struct exec_args {
	char *buf;
	size_t used;
	int argc, envc;
};

static int args_add(struct exec_args *a, const char *s, size_t len)
{
	if (a->argc + a->envc >= MAX_ARGS || len + 1 > ARGS_MAX - a->used)
		return -E2BIG;
	memcpy(a->buf + a->used, s, len);
	a->buf[a->used + len] = 0;
	a->used += len + 1;
	return 0;
}

/* Copy a NULL-terminated user array of strings (NULL itself: none). */
static int args_add_user(struct exec_args *a, const char *const __user *uv, int *count)
{
	for (int i = 0; uv; i++) {
		uint64_t up;
		if (get_user(up, (const uint64_t *)&uv[i]))
			return -EFAULT;
		if (!up)
			return 0;
		if (a->argc + a->envc >= MAX_ARGS)
			return -E2BIG;
		long n = strncpy_from_user(a->buf + a->used, (const char *)up, (long)(ARGS_MAX - a->used));
		if (n < 0)
			return (int)n;
		if ((size_t)n >= ARGS_MAX - a->used)
			return -E2BIG;
		a->used += (size_t)n + 1;
		(*count)++;
	}
	return 0;
}

/* Lay out the initial stack below stack_top in mm; returns the stack pointer or -errno. */
static long build_stack(struct mm *mm, uint64_t stack_top, struct exec_args *a, const char *execfn,
			const struct elf_image *img, uint64_t bias)
{
	size_t fnlen = strlen(execfn) + 1;
	uint64_t fn_addr = stack_top - 8 - fnlen; /* 8 zero bytes at the very top, as Linux */
	uint64_t str_addr = fn_addr - a->used;
	uint64_t rand_addr = ALIGN_DOWN(str_addr - 16, 16);
	uint64_t auxv[2 * 20], *ax = auxv;
#define AUX(k, v) (*ax++ = (k), *ax++ = (v))
	uint32_t eax, ebx, ecx, edx;
	cpuid(1, 0, &eax, &ebx, &ecx, &edx);
	AUX(AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0);
	AUX(AT_PHENT, img->phentsize);
	AUX(AT_PHNUM, img->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, img->entry + bias);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_HWCAP, edx);
	AUX(AT_CLKTCK, 100);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rand_addr);
	AUX(AT_EXECFN, fn_addr);
	AUX(AT_NULL, 0);
#undef AUX
	size_t nvec = 1 + (size_t)a->argc + 1 + (size_t)a->envc + 1 + (size_t)(ax - auxv);
	uint64_t sp = ALIGN_DOWN(rand_addr - nvec * 8, 16);
	if (stack_top - sp > STACK_RLIMIT / 4)
		return -E2BIG;

	size_t vbytes = nvec * 8;
	unsigned order = 0;
	while ((PAGE_SIZE << order) < vbytes)
		order++;
	uint64_t *vec = page_alloc(order, false);
	if (!vec)
		return -ENOMEM;
	size_t i = 0;
	vec[i++] = (uint64_t)a->argc;
	uint64_t s = str_addr;
	for (int k = 0; k < a->argc + a->envc; k++) {
		if (k == a->argc)
			vec[i++] = 0;
		vec[i++] = s;
		s += strlen(a->buf + (s - str_addr)) + 1;
	}
	vec[i++] = 0;
	memcpy(&vec[i], auxv, (size_t)(ax - auxv) * 8);
	uint8_t rnd[16];
	get_random_bytes(rnd, sizeof(rnd));
	int r = mm_write(mm, fn_addr, execfn, fnlen);
	if (!r)
		r = mm_write(mm, str_addr, a->buf, a->used);
	if (!r)
		r = mm_write(mm, rand_addr, rnd, sizeof(rnd));
	if (!r)
		r = mm_write(mm, sp, vec, vbytes);
	page_free(vec, order);
	return r ? r : (long)sp;
}

/* Map the program's segments into mm; the load bias in *bias.  Each is a
 * private mapping of the file whose bytes end at the segment's file size
 * (the rest of its memory, the .bss, reads as zeros). */
static int load_segments(struct mm *mm, const char *path, const uint8_t *data, const struct elf_image *img,
			 uint64_t *bias)
{
	*bias = img->pie ? PIE_BASE - img->min_vaddr : 0;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t va = s->vaddr + *bias;
		uint64_t pgoff = va & (PAGE_SIZE - 1);
		uint64_t start = va - pgoff, end = ALIGN_UP(va + s->memsz, PAGE_SIZE);
		struct vm_file vf = { .data = data, .size = s->offset + s->filesz,
				      .pgoff = (s->offset - pgoff) >> PAGE_SHIFT, .path = path,
				      .readable = true, .can_mmap = true };
		long r = vm_mmap(mm, start, end - start, s->prot, MAP_PRIVATE | MAP_FIXED, &vf);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* Build the complete new image in a fresh mm.  On success *mmp, *entry, *sp. */
static int exec_build(const char *path, struct exec_args *a, struct mm **mmp, uint64_t *entry, uint64_t *sp,
		      char *name)
{
	const uint8_t *data;
	size_t size;
	int r = initramfs_exec_lookup(path, &data, &size);
	if (r)
		return r;
	struct elf_image img;
	r = elf_parse(data, size, USER_TOP, &img);
	if (r)
		return r;
	struct mm *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	uint64_t bias;
	r = load_segments(mm, path, data, &img, &bias);
	if (!r) {
		vm_set_brk_base(mm, ALIGN_UP(img.max_vaddr + bias, PAGE_SIZE));
		mm->mmap_base = MMAP_BASE;
		mm->stack_top = USER_TOP;
		/* One page, growing down as the arguments are written (faults
		 * below it grow it), then STACK_EXPAND more: Linux's
		 * setup_arg_pages.  It grows on later faults up to STACK_RLIMIT. */
		long m = vm_mmap(mm, USER_TOP - PAGE_SIZE, PAGE_SIZE, (unsigned)img.stack_prot,
				 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN, NULL);
		r = m < 0 ? (int)m : 0;
		if (!r)
			vm_mark_stack(mm, USER_TOP - 1);
	}
	long s = r ? 0 : build_stack(mm, USER_TOP, a, path, &img, bias);
	if (!r && s >= 0 && vm_expand_stack(mm, ALIGN_DOWN((uint64_t)s, PAGE_SIZE) - STACK_EXPAND))
		s = -ENOMEM;
	if (r || s < 0) {
		mm_put(mm);
		return r ? r : (int)s;
	}
	*mmp = mm;
	*entry = img.entry + bias;
	*sp = (uint64_t)s;
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/' && c[1])
			base = c + 1;
	strlcpy(name, base, 16);
	return 0;
}

/* Point t's user registers at the new program. */
static void exec_set_regs(struct task *t, uint64_t entry, uint64_t sp)
{
	struct trap_frame *tf = t->user_tf;
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->cs = GDT_USER_CS | 3;
	tf->ss = GDT_USER_DS | 3;
	tf->rflags = RFLAGS_IF | 0x2;
	tf->vector = VEC_SYSCALL;
	t->fs_base = 0;
	t->sas_ss_sp = t->sas_ss_size = 0; /* execve drops the alternate signal stack */
	t->sas_ss_flags = 0;
	fpu_reset(t->fpu);
}

static int exec_args_alloc(struct exec_args *a)
{
	a->buf = page_alloc(ARGS_ORDER, false);
	a->used = 0;
	a->argc = a->envc = 0;
	return a->buf ? 0 : -ENOMEM;
}

int process_spawn_init(const char *path, int argc, const char *const *argv)
{
	static const char *const envp[] = { "HOME=/", "TERM=linux" };
	struct exec_args a;
	int r = exec_args_alloc(&a);
	if (r)
		return r;
	for (int i = 0; i < argc && !r; i++, a.argc += !r)
		r = args_add(&a, argv[i], strlen(argv[i]));
	for (unsigned i = 0; i < ARRAY_SIZE(envp) && !r; i++, a.envc += !r)
		r = args_add(&a, envp[i], strlen(envp[i]));
	struct process *p = process_alloc();
	struct task *t = p ? task_alloc(p) : NULL;
	if (!r && !t)
		r = -ENOMEM;
	if (!r && !(p->files = files_alloc_console()))
		r = -ENOMEM;
	uint64_t entry, sp;
	if (!r)
		r = exec_build(path, &a, &p->mm, &entry, &sp, p->name);
	page_free(a.buf, ARGS_ORDER);
	if (r) {
		if (p && p->files)
			files_put(p->files);
		if (p)
			p->files = NULL;
		if (t)
			task_free(t);
		if (p)
			process_free(p);
		return r;
	}
	memcpy(t->name, p->name, sizeof(t->name));
	exec_set_regs(t, entry, sp);
	task_setup_user_entry(t);
	p->pid = t->tid;
	init_process = p;
	process_link(p, NULL);
	process_add_thread(p, t);
	sched_start(t);
	return 0;
}

static long sys_execve(const char __user *upath, const char *const __user *uargv, const char *const __user *uenvp)
{
	char path[256];
	long r = strncpy_from_user_checked(path, upath, sizeof(path));
	if (r < 0)
		return r;
	if (!path[0])
		return -ENOENT;
	struct exec_args a;
	if ((r = exec_args_alloc(&a)))
		return r;
	r = args_add_user(&a, uargv, &a.argc);
	if (!r)
		r = args_add_user(&a, uenvp, &a.envc);
	struct process *p = current->proc;
	struct mm *mm = NULL;
	uint64_t entry = 0, sp = 0;
	char name[16];
	if (!r)
		r = exec_build(path, &a, &mm, &entry, &sp, name);
	page_free(a.buf, ARGS_ORDER);
	if (r)
		return r;
	/* Like Linux's de_thread(): the new program starts with one thread. */
	if (READ_ONCE(p->nthreads) > 1 && process_kill_other_threads()) {
		mm_put(mm);
		return -EINTR; /* the process is exiting anyway */
	}

	/* The point of no return: switch to the new image. */
	struct task *t = current;
	struct mm *old = process_set_mm(p, mm);
	mm_switch(mm);
	mm_put(old);
	vfork_release(t); /* a vfork parent may run again: we left its memory */
	files_close_on_exec(p->files);
	unsigned long f = spin_lock_irqsave(&p->lock);
	for (int i = 1; i <= NSIG; i++)
		if (p->sig[i].handler != SIG_IGN)
			p->sig[i] = (struct k_sigaction){ 0 };
	memcpy(p->name, name, sizeof(name));
	spin_unlock_irqrestore(&p->lock, f);
	memcpy(t->name, name, sizeof(name));
	exec_set_regs(t, entry, sp);
	wrmsr(MSR_FS_BASE, 0);
	fpu_restore(t->fpu);
	return 0;
}

SYSCALL(execve, sys_execve);
