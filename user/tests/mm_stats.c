/* mm_stats.c - what /proc says about the memory manager moves the right
 * way: faults, page-table pages allocated and freed again by munmap, TLB
 * shootdowns sent to a CPU running another thread of the process (by
 * munmap and by an mprotect that takes rights away, never by one that
 * only adds them: a stale entry then costs one spurious fault), the
 * region's /proc/self/maps line, and MemFree coming back.  On Linux (no
 * /proc/mmstat) only the maps and meminfo checks run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"


static atomic_int spin_stop;
static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop))
		; /* keeps this mm loaded on its CPU */
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool have_mmstat = mmstat("fault") >= 0;
	long free0 = stat_of("/proc/meminfo", "MemFree");
	check(free0 > 0, "/proc/meminfo has MemFree", "%ld", free0);
	const size_t len = 8 << 20; /* 8 MiB: 4 page tables */
	long f0 = mmstat("fault_anon"), pa0 = mmstat("pt_page_alloc"), pf0 = mmstat("pt_page_free"),
	     lr0 = mmstat("mmap_lock_read"), fg0 = mmstat("fault_global"), fv0 = mmstat("fault_vma"),
	     fs0 = mmstat("spf_success"), fr0 = mmstat("range_success");
	char *p = mmap((void *)0x300000000, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(p == (void *)0x300000000, "map 8 MiB at a fixed address", "%p", (void *)p);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	/* the maps line */
	char want[128], maps[65536];
	snprintf(want, sizeof(want), "300000000-300800000 rw-p 00000000 00:00 0 \n");
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, maps, sizeof(maps) - 1) : -1;
	maps[n > 0 ? n : 0] = 0;
	check(strstr(maps, want) != NULL, "/proc/self/maps shows the region", "no line '%.40s'", want);
	close(fd);
	if (have_mmstat) {
		check(mmstat("fault_anon") - f0 >= 2048, "2048 anonymous faults counted", "%ld", mmstat("fault_anon") - f0);
		check(mmstat("pt_page_alloc") - pa0 >= 4, "page tables allocated for 8 MiB", "%ld", mmstat("pt_page_alloc") - pa0);
		/* mm.lock=global: every fault takes mmap_lock for read;
		 * mm.lock=vma: (nearly) none does - each takes its VMA's lock;
		 * mm.lock=spf: none but the first of each page table (spf
		 * never allocates a table: that fault falls back);
		 * mm.lock=range: none - each takes its page's range lock */
		long lr = mmstat("mmap_lock_read") - lr0, fg = mmstat("fault_global") - fg0,
		     fv = mmstat("fault_vma") - fv0, fs = mmstat("spf_success") - fs0,
		     fr = fr0 >= 0 ? mmstat("range_success") - fr0 : 0;
		check((fg >= 2048 && lr >= 2048) || (fv >= 2048 && lr < 64) || (fs >= 2048 - 8 && lr < 64) ||
			      (fr >= 2048 && lr < 64),
		      "every fault took mmap_lock (global), only its VMA's lock (vma), none (spf) or its page's range (range)",
		      "fault_global +%ld, fault_vma +%ld, spf_success +%ld, range_success +%ld, mmap_lock_read +%ld", fg,
		      fv, fs, fr, lr);
	}
	check(munmap(p, len) == 0, "munmap the region", "failed");
	if (have_mmstat)
		check(mmstat("pt_page_free") - pf0 >= 4, "munmap freed the emptied page tables", "%ld",
		      mmstat("pt_page_free") - pf0);

	/* A shootdown reaches the CPU where another thread runs this mm. */
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	if (!have_mmstat || CPU_COUNT(&set) < 2) {
		check_skip("munmap sends a shootdown to the CPU running our other thread", "needs 2 CPUs and /proc/mmstat");
	} else {
		pthread_t th;
		pthread_create(&th, NULL, spinner, NULL);
		long s0 = mmstat("tlb_shootdown_sent"), r0 = mmstat("tlb_ipi_received");
		int sent = 0;
		for (int i = 0; i < 50 && !sent; i++) { /* until the spinner is on another CPU */
			char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			q[0] = 1;
			munmap(q, 4096);
			sent = mmstat("tlb_shootdown_sent") > s0;
			if (!sent)
				sched_yield();
		}
		/* The spinner runs elsewhere now (it got the munmap's IPI):
		 * removing write sends one, adding it back none, removing it
		 * again one more (so the spinner was still elsewhere). */
		char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		q[0] = 1;
		long m0 = mmstat("tlb_shootdown_sent");
		mprotect(q, 4096, PROT_READ);
		long m1 = mmstat("tlb_shootdown_sent");
		mprotect(q, 4096, PROT_READ | PROT_WRITE);
		long m2 = mmstat("tlb_shootdown_sent");
		q[0] = 2; /* through a possibly stale read-only entry: one spurious fault */
		mprotect(q, 4096, PROT_READ);
		long m3 = mmstat("tlb_shootdown_sent");
		int ok = q[0] == 2;
		munmap(q, 4096);
		atomic_store(&spin_stop, 1);
		pthread_join(th, NULL);
		check(sent, "munmap sends a shootdown to the CPU running our other thread", "none sent");
		check(mmstat("tlb_ipi_received") > r0, "the other CPU handled it", "none received");
		check(m1 > m0 && m3 > m2, "mprotect taking write away sends a shootdown", "+%ld, +%ld", m1 - m0, m3 - m2);
		check(m2 == m1 && ok, "mprotect only adding write sends none (and the write after it lands)",
		      "+%ld, wrote %d", m2 - m1, ok);
	}
	long free1 = stat_of("/proc/meminfo", "MemFree");
	check(free1 >= free0 - 512, "MemFree is back after munmap", "%ld kB before, %ld kB after", free0, free1);
	return check_done();
}
