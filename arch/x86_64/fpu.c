/* fpu.c - saving and restoring user floating-point/vector state.
 *
 * With XSAVE (CPUID.1:ECX.XSAVE) the OS enables x87, SSE and AVX state in
 * XCR0 and saves it with xsave/xrstor into an area of the size CPUID leaf
 * 0xd reports; without it, fxsave/fxrstor (x87 + SSE, 512 bytes).  The
 * initial state (fninit, MXCSR 0x1f80: all exceptions masked) is captured
 * once at boot and copied into every new area.  Areas are one page
 * (64-byte aligned as xsave requires). */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"

static bool use_xsave;
static uint64_t xcr0;
static uint32_t area_size = 512;
static uint8_t init_state[PAGE_SIZE] __aligned(64);

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_cpu(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (use_xsave)
		xsetbv(0, xcr0);
	__asm__ volatile("fninit");
}

void fpu_init_boot(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	use_xsave = c & (1u << 26);
	if (use_xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		xcr0 = 3 | (a & 4); /* x87, SSE, and AVX when supported */
	}
	fpu_init_cpu();
	if (use_xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d); /* EBX: size for the features enabled in XCR0 */
		area_size = b;
		BUG_ON(area_size > PAGE_SIZE);
	}
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
	fpu_save(init_state);
	pr_info("fpu: %s, XCR0 %#llx, %u-byte state\n", use_xsave ? "xsave" : "fxsave", (unsigned long long)xcr0,
		area_size);
}

void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void fpu_copy(void *dst, const void *src) { memcpy(dst, src, area_size); }
void fpu_reset(void *area) { memcpy(area, init_state, area_size); }

void *fpu_alloc(void)
{
	void *p = page_alloc(0, false);
	if (p)
		fpu_reset(p);
	return p;
}

void fpu_free(void *area) { page_free(area, 0); }

uint32_t fpu_xstate_size(void) { return use_xsave ? area_size : 0; }
uint64_t fpu_xfeatures(void) { return xcr0; }

int fpu_set_xstate(void *area, const void *image)
{
	const uint8_t *hdr = (const uint8_t *)image + 512; /* XSTATE_BV, XCOMP_BV, 48 reserved bytes */
	uint64_t bv, comp;
	memcpy(&bv, hdr, 8);
	memcpy(&comp, hdr + 8, 8);
	if (!use_xsave || (bv & ~xcr0) || comp)
		return -1;
	for (int i = 16; i < 64; i++)
		if (hdr[i])
			return -1;
	memcpy((uint8_t *)area + 512, hdr, area_size - 512);
	fpu_set_legacy(area, image); /* MXCSR checked; x87/SSE always from the image */
	return 0;
}

void fpu_set_legacy(void *area, const void *legacy)
{
	uint8_t *a = area;
	uint32_t mask;
	memcpy(&mask, a + 28, 4); /* MXCSR_MASK, as the CPU stored it */
	memcpy(a, legacy, 512);
	uint32_t mxcsr;
	memcpy(&mxcsr, a + 24, 4);
	mxcsr &= mask ? mask : 0xffbf; /* a reserved bit set would make the restore fault */
	memcpy(a + 24, &mxcsr, 4);
	memcpy(a + 28, &mask, 4);
	memset(a + 464, 0, 48); /* the software-available bytes */
	if (use_xsave) { /* XSTATE_BV: x87 and SSE come from the legacy area */
		uint64_t bv;
		memcpy(&bv, a + 512, 8);
		bv |= 3;
		memcpy(a + 512, &bv, 8);
	}
}
