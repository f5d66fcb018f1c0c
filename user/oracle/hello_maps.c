/* hello_maps.c - the smallest oracle test: an anonymous MAP_FIXED region
 * and its line in /proc/self/maps, as Linux prints it. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *p = mmap((void *)0x200000000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("mmap: %p\n", (void *)p);
	p[0] = 1;
	printf("p[0]=%d p[4096]=%d\n", p[0], p[4096]);
	return 0;
}
