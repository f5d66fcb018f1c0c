/* mmstat.c - the per-CPU memory-manager counters (see mmstat.h). */
#include "mm/mmstat.h"
#include "kernel/atomic.h"
#include "kernel/percpu.h"

const char *const mmstat_names[MMSTAT_NR] = {
	[MMSTAT_FAULT] = "fault",
	[MMSTAT_FAULT_GLOBAL] = "fault_global",
	[MMSTAT_FAULT_VMA] = "fault_vma",
	[MMSTAT_FAULT_FALLBACK] = "fault_fallback",
	[MMSTAT_FAULT_STACK_GROW] = "fault_stack_grow",
	[MMSTAT_VMA_LOCK_SUCCESS] = "vma_lock_success",
	[MMSTAT_VMA_LOCK_ABORT] = "vma_lock_abort",
	[MMSTAT_VMA_LOCK_RETRY] = "vma_lock_retry",
	[MMSTAT_VMA_LOCK_MISS] = "vma_lock_miss",
	[MMSTAT_VMA_WRITE_WAIT] = "vma_write_wait",
	[MMSTAT_FAULT_ANON] = "fault_anon",
	[MMSTAT_FAULT_FILE] = "fault_file",
	[MMSTAT_FAULT_RACE] = "fault_race_lost",
	[MMSTAT_FAULT_SPURIOUS] = "fault_spurious",
	[MMSTAT_FAULT_SEGV_MAPERR] = "fault_segv_maperr",
	[MMSTAT_FAULT_SEGV_ACCERR] = "fault_segv_accerr",
	[MMSTAT_FAULT_OOM] = "fault_oom",
	[MMSTAT_MMAP_READ_LOCK] = "mmap_lock_read",
	[MMSTAT_MMAP_WRITE_LOCK] = "mmap_lock_write",
	[MMSTAT_MMAP_READ_WAIT] = "mmap_lock_read_wait",
	[MMSTAT_MMAP_WRITE_WAIT] = "mmap_lock_write_wait",
	[MMSTAT_MMAP_WAIT_CYCLES] = "mmap_lock_wait_cycles",
	[MMSTAT_TLB_SHOOTDOWN_SENT] = "tlb_shootdown_sent",
	[MMSTAT_TLB_IPI_SENT] = "tlb_ipi_sent",
	[MMSTAT_TLB_IPI_RECEIVED] = "tlb_ipi_received",
	[MMSTAT_TLB_FLUSH_PAGE] = "tlb_flush_page",
	[MMSTAT_TLB_FLUSH_FULL] = "tlb_flush_full",
	[MMSTAT_PAGE_ZEROED] = "page_zeroed",
	[MMSTAT_PT_PAGE_ALLOC] = "pt_page_alloc",
	[MMSTAT_PT_PAGE_FREE] = "pt_page_free",
	[MMSTAT_VMA_ALLOC] = "vma_alloc",
	[MMSTAT_VMA_FREE] = "vma_free",
	[MMSTAT_VMA_MERGE] = "vma_merge",
	[MMSTAT_VMA_SPLIT] = "vma_split",
	[MMSTAT_OOM_KILL] = "oom_kill",
	[MMSTAT_COW_FAULT] = "cow_fault",
	[MMSTAT_COW_COPY] = "cow_copy",
	[MMSTAT_COW_REUSE] = "cow_reuse",
	[MMSTAT_EPOCH_GP_ENDED] = "epoch_gp_ended",
	[MMSTAT_EPOCH_CB_INVOKED] = "epoch_cb_invoked",
	[MMSTAT_FAULT_SPF] = "fault_spf",
	[MMSTAT_SPF_SUCCESS] = "spf_success",
	[MMSTAT_SPF_RETRY] = "spf_retry",
	[MMSTAT_SPF_FALLBACK_SEQ] = "spf_fallback_seq",
	[MMSTAT_SPF_FALLBACK_TABLE] = "spf_fallback_table",
	[MMSTAT_SPF_FALLBACK_NOVMA] = "spf_fallback_novma",
	[MMSTAT_SPF_FALLBACK_ACCESS] = "spf_fallback_access",
	[MMSTAT_SPF_FALLBACK_OTHER] = "spf_fallback_other",
	[MMSTAT_FAULT_RANGE] = "fault_range",
	[MMSTAT_RANGE_SUCCESS] = "range_success",
	[MMSTAT_RANGE_TRYLOCK_FAIL] = "range_trylock_fail",
	[MMSTAT_RANGE_FAULT_WAIT] = "range_fault_wait",
	[MMSTAT_RANGE_WRITER_WAIT] = "range_writer_wait",
	[MMSTAT_RANGE_SNAP_RETRY] = "range_snapshot_retry",
	[MMSTAT_RANGE_FALLBACK] = "range_fallback",
	[MMSTAT_RANGE_CONTAGION] = "range_contagion",
	[MMSTAT_RANGE_GAP_RECHECK] = "range_gap_recheck_failed",
	[MMSTAT_RANGE_PT_KEPT] = "range_pt_kept",
};

/* One cache line of counters per CPU and item row: slot[cpu].v[item]. */
static struct {
	uint64_t v[MMSTAT_NR];
} __aligned(64) slot[MAX_CPUS];

void mmstat_add(enum mmstat_item item, uint64_t n) { this_cpu_add(&slot[cpu_id()].v[item], n); }

uint64_t mmstat_read(enum mmstat_item item)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < READ_ONCE(nr_cpu_ids); i++)
		s += load_relaxed(&slot[i].v[item]);
	return s;
}

uint64_t mmstat_read_cpu(enum mmstat_item item, unsigned cpu)
{
	return cpu < MAX_CPUS ? load_relaxed(&slot[cpu].v[item]) : 0;
}
