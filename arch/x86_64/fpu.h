/* fpu.h - per-task x87/SSE/AVX state (arch/x86_64/fpu.c).
 * The kernel itself never touches these registers (-mgeneral-regs-only), so
 * the state in the registers always belongs to the user task that last ran
 * on the CPU: the scheduler saves it when switching away from a user task
 * and restores it when switching to one (eager switching). */
#pragma once
#include "kernel/types.h"

void fpu_init_boot(void); /* boot CPU: choose xsave or fxsave, size the area, the initial state */
void fpu_init_cpu(void);  /* every CPU: CR0/CR4/XCR0 bits */
void *fpu_alloc(void);    /* an area holding the initial state; NULL when out of memory */
void fpu_free(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);
void fpu_copy(void *dst, const void *src);
void fpu_reset(void *area); /* back to the initial state (exec) */
/* Signal return: take x87/SSE state from a 512-byte fxsave image (user
 * supplied: MXCSR's reserved bits are cleared, so restoring cannot fault). */
void fpu_set_legacy(void *area, const void *legacy);
/* Signal frames in Linux's xsave layout: the size of a full xsave image
 * (0 when the CPU saves with fxsave: frames carry the 512-byte image) and
 * the features it holds (XCR0). */
uint32_t fpu_xstate_size(void);
uint64_t fpu_xfeatures(void);
/* Signal return with a full xsave image of fpu_xstate_size() bytes (user
 * supplied): 0, or -1 when its header would make xrstor fault (features
 * not enabled, a compacted form, reserved bytes set). */
int fpu_set_xstate(void *area, const void *image);
