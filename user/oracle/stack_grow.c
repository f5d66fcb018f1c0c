/* stack_grow.c - stacks grow down on a fault below them, as on Linux:
 * the main thread's [stack] when pages below it are touched, a
 * MAP_GROWSDOWN mapping likewise; growth stops at RLIMIT_STACK (8 MiB,
 * set here so the host's limit does not matter) and at the stack guard
 * gap (256 pages) above an accessible mapping - not above a PROT_NONE one
 * or another grows-down one; mprotect(PROT_GROWSDOWN) changes a grows-down
 * VMA from its start; a runaway recursion ends in SIGSEGV, handled on an
 * alternate stack.  Addresses differ between the two systems, so only
 * relations are printed: sizes in pages, "moved down", signal names. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "oracle.h"

#define PG 4096ul
#define MIB (1ul << 20)
#define GAP (256 * PG) /* Linux's default stack_guard_gap */
#define RW (PROT_READ | PROT_WRITE)
#define FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define AREA ((char *)0x240000000) /* the MAP_GROWSDOWN cases: an empty 1 GiB */

static sigjmp_buf jb;
static volatile int got_sig, got_code, on_alt;
static void *volatile got_addr;
static char altstack[64 * 1024];

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char here;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
	siglongjmp(jb, 1);
}

/* The VMA holding addr, from /proc/self/maps; 0 when none. */
static int vma_of(uintptr_t addr, uintptr_t *start, uintptr_t *end, char perms[5], int *is_stack)
{
	static char buf[65536];
	if (!read_self_maps(buf, sizeof(buf)))
		return 0;
	for (char *l = buf, *e; *l; l = e + 1) {
		if (!(e = strchr(l, '\n')))
			break;
		*e = 0;
		char *p;
		uintptr_t s = strtoul(l, &p, 16), en = strtoul(p + 1, &p, 16);
		if (addr >= s && addr < en) {
			*start = s;
			*end = en;
			if (perms)
				memcpy(perms, p + 1, 4), perms[4] = 0;
			if (is_stack)
				*is_stack = strstr(p, "[stack]") != NULL;
			return 1;
		}
	}
	return 0;
}

/* Write and read back one byte at p: "ok" or the signal, printed as what. */
static int touch(const char *what, volatile char *p)
{
	if (sigsetjmp(jb, 1) == 0) {
		*p = 0x5a;
		int ok = *p == 0x5a;
		printf("%s: %s\n", what, ok ? "ok" : "read back WRONG");
		return ok;
	}
	printf("%s: %s %s, si_addr %s\n", what, got_sig == SIGSEGV ? "SIGSEGV" : got_sig == SIGBUS ? "SIGBUS" : "signal",
	       code_name(got_sig, got_code), got_addr == (void *)p ? "exact" : "WRONG");
	return 0;
}

/* The grows-down mapping at [*, top): where it starts now, in pages below top. */
static void show_size(const char *what, uintptr_t inside, uintptr_t top)
{
	uintptr_t s, e;
	char perms[5];
	if (!vma_of(inside, &s, &e, perms, NULL))
		printf("%s: no mapping\n", what);
	else
		printf("%s: %lu pages %s, ends %s\n", what, (unsigned long)((e - s) / PG), perms,
		       e == top ? "where it did" : "ELSEWHERE");
}

static uintptr_t stack_start(void)
{
	uintptr_t s = 0, e;
	int st;
	vma_of((uintptr_t)__builtin_frame_address(0), &s, &e, NULL, &st);
	return s;
}

static volatile int depth_pages, bottomless = 1;
static __attribute__((noinline)) int recurse(int n)
{
	volatile char frame[PG];
	frame[0] = (char)n;
	depth_pages = n;
	return (bottomless ? recurse(n + 1) : 0) + frame[0];
}

static char *map(uintptr_t at, size_t len, int prot, int flags)
{
	char *p = mmap((void *)at, len, prot, FIXED | flags, -1, 0);
	if (p != (char *)at)
		printf("mmap at %#lx: %s\n", (unsigned long)(at - (uintptr_t)AREA), placed(p, (void *)at));
	return p;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) == 0) { /* 8 MiB, whatever the caller's limit */
		rl.rlim_cur = 8 * MIB;
		setrlimit(RLIMIT_STACK, &rl);
	}
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	SHOW(sigaltstack(&ss, NULL));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* ---- the main thread's stack ---- */
	char *sp = __builtin_frame_address(0);
	uintptr_t s0, top;
	int is_stack = 0;
	printf("[stack] holds the frame: %s\n", vma_of((uintptr_t)sp, &s0, &top, NULL, &is_stack) && is_stack ? "yes" : "no");
	char what[96];
	int all = 1;
	for (uintptr_t off = PG; off <= 256 * 1024 && all; off += PG) {
		snprintf(what, sizeof(what), "touch sp - %lu KiB", (unsigned long)(off / 1024));
		if (sigsetjmp(jb, 1) == 0) {
			volatile char *p = sp - off;
			*p = 1;
			all = *p == 1;
		} else {
			all = 0;
			printf("%s: %s %s\n", what, got_sig == SIGSEGV ? "SIGSEGV" : "signal", code_name(got_sig, got_code));
		}
	}
	printf("touch every page down to 256 KiB below sp: %s\n", all ? "ok" : "FAILED");
	uintptr_t s1 = stack_start();
	printf("[stack] covers them: %s\n", s1 && s1 <= (uintptr_t)sp - 256 * 1024 ? "yes" : "no");
	printf("[stack] start moved down: %s\n", s1 < s0 ? "yes" : "no");
	uintptr_t s_, e_;
	printf("[stack] end unchanged: %s\n", vma_of((uintptr_t)sp, &s_, &e_, NULL, NULL) && e_ == top ? "yes" : "no");

	/* A jump: one page 64 KiB below the current start, nothing between touched. */
	s1 = stack_start();
	touch("touch 64 KiB below [stack]'s start", (char *)s1 - 64 * 1024);
	uintptr_t s2 = stack_start();
	printf("[stack] now starts at that page: %s\n", s2 == s1 - 64 * 1024 ? "yes" : "no");
	if (sigsetjmp(jb, 1) == 0)
		printf("a page skipped reads as zero: %s\n", *(volatile char *)(s1 - 32 * 1024) == 0 ? "yes" : "no");
	else
		printf("a page skipped: %s %s\n", got_sig == SIGSEGV ? "SIGSEGV" : "signal", code_name(got_sig, got_code));

	/* A mapping inside the guard gap below the stack stops it growing. */
	uintptr_t s = stack_start();
	char *block = mmap((void *)(s - 200 * PG), PG, RW, FIXED, -1, 0);
	printf("map a page 200 pages below [stack]: %s\n", placed(block, (void *)(s - 200 * PG)));
	touch("touch the page below [stack], a mapping ending 198 pages below that", (char *)s - PG);
	printf("[stack] start unchanged: %s\n", stack_start() == s ? "yes" : "no");
	munmap(block, PG);
	/* ... but not from outside the gap: 256 pages clear below the new start. */
	block = mmap((void *)(s - 258 * PG), PG, RW, FIXED, -1, 0);
	printf("map a page 258 pages below [stack]: %s\n", placed(block, (void *)(s - 258 * PG)));
	touch("touch the page below [stack], a mapping ending 256 pages below that", (char *)s - PG);
	printf("[stack] grew by that page: %s\n", stack_start() == s - PG ? "yes" : "no");
	munmap(block, PG);

	/* RLIMIT_STACK: the stack may reach 8 MiB below its end, not a page more. */
	s = stack_start();
	touch("touch 8 MiB + 1 page below [stack]'s end", (char *)top - 8 * MIB - PG);
	touch("touch 16 MiB below [stack]'s end", (char *)top - 16 * MIB);
	printf("[stack] start unchanged: %s\n", stack_start() == s ? "yes" : "no");
	touch("touch 8 MiB below [stack]'s end", (char *)top - 8 * MIB);
	printf("[stack] is 8 MiB now: %s\n", stack_start() == top - 8 * MIB ? "yes" : "no");

	/* ---- MAP_GROWSDOWN mappings ---- */
	uintptr_t g = (uintptr_t)AREA + 512 * MIB, gtop = g + 16 * PG;
	map(g, 16 * PG, RW, MAP_GROWSDOWN);
	show_size("grows-down mapping", g, gtop);
	touch("touch its first page", (char *)g);
	touch("touch 1 byte below it", (char *)g - 1);
	show_size("grows-down mapping", g, gtop);
	touch("touch 64 pages below its start", (char *)g - PG - 64 * PG);
	show_size("grows-down mapping", g, gtop);
	touch("touch 8 MiB + 1 page below its end", (char *)gtop - 8 * MIB - PG);
	touch("touch 8 MiB below its end", (char *)gtop - 8 * MIB);
	show_size("grows-down mapping", g, gtop);
	munmap((void *)(gtop - 8 * MIB), 8 * MIB);

	/* The guard gap: an accessible mapping within 256 pages below stops
	 * growth; one exactly 256 pages away does not; PROT_NONE or another
	 * grows-down mapping below does not either. */
	static const struct {
		const char *what;
		unsigned long gap_pages; /* from the blocker's end to the page touched */
		int prot, flags;
	} cases[] = {
		{ "rw- page 255 pages below the touched page", 255, RW, 0 },
		{ "rw- page 256 pages below the touched page", 256, RW, 0 },
		{ "r-- page 100 pages below the touched page", 100, PROT_READ, 0 },
		{ "--- page 1 page below the touched page", 1, PROT_NONE, 0 },
		{ "--- page 0 pages below the touched page", 0, PROT_NONE, 0 },
		{ "grows-down rw- page 10 pages below the touched page", 10, RW, MAP_GROWSDOWN },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uintptr_t t = (uintptr_t)AREA + 256 * MIB, tt = t + 16 * PG;
		map(t, 16 * PG, RW, MAP_GROWSDOWN);
		uintptr_t touched = t - PG, b = touched - cases[i].gap_pages * PG - PG;
		map(b, PG, cases[i].prot, cases[i].flags);
		snprintf(what, sizeof(what), "below a grows-down mapping, %s", cases[i].what);
		printf("%s:\n", what);
		touch("  touch the page below it", (char *)touched);
		show_size("  grows-down mapping", t, tt);
		munmap((void *)b, tt - b);
	}

	/* mprotect(PROT_GROWSDOWN): from the VMA's start up to the end given. */
	map(g, 16 * PG, RW, MAP_GROWSDOWN);
	SHOW(mprotect((char *)g + 8 * PG, PG, PROT_READ | PROT_GROWSDOWN));
	show_size("its lower part", g, g + 9 * PG);
	show_size("its upper part", g + 9 * PG, gtop);
	touch("write below it", (char *)g - PG);
	show_size("its lower part", g - PG, g + 9 * PG);
	char *plain = map(g + 64 * PG, PG, RW, 0);
	SHOW(mprotect(plain, PG, PROT_READ | PROT_GROWSDOWN));
	SHOW(mprotect((char *)g + 12 * PG, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
	munmap((void *)(g - 16 * PG), 128 * PG);

	/* ---- a runaway recursion: SIGSEGV, handled on the alternate stack ---- */
	if (sigsetjmp(jb, 1) == 0) {
		recurse(0);
		printf("recursion: returned?\n");
	} else {
		printf("runaway recursion: %s %s, handler on the alternate stack: %s, got more than 7 MiB deep: %s\n",
		       got_sig == SIGSEGV ? "SIGSEGV" : "signal", code_name(got_sig, got_code), on_alt ? "yes" : "no",
		       depth_pages > 7 * 256 ? "yes" : "no");
	}
	printf("[stack] is 8 MiB: %s\n", stack_start() == top - 8 * MIB ? "yes" : "no");
	return 0;
}
