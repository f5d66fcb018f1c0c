/* maps_format.c - /proc/self/maps lines exactly as Linux prints them, for
 * fixed regions only (so the output is the same on every run and kernel):
 * each protection (r--, rw-, r-x, ---, -w-, --x), a region split in three
 * by mprotect, two adjacent MAP_FIXED regions of the same protection
 * (Linux merges them into one line), and a MAP_SHARED region.  Linux shows
 * shared anonymous memory as "rw-s 00000000 00:01 INODE /dev/zero
 * (deleted)", which no other kernel can match, so a shared line is printed
 * only up to its permissions.  Only lines starting in [BASE, BASE + SPAN)
 * are printed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#define BASE 0x200000000ul
#define SPAN 0x100000ul
#define PG   4096ul

static char maps[65536];

static void map(const char *what, unsigned long off, unsigned long pages, int prot, int flags)
{
	void *p = mmap((void *)(BASE + off), pages * PG, prot, flags | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("mmap %s: %s\n", what, p == (void *)(BASE + off) ? "ok" : "failed");
}

static void show_maps(const char *when)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t n;
	while (fd >= 0 && len + 1 < sizeof(maps) && (n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += (size_t)n;
	maps[len] = '\0';
	if (fd >= 0)
		close(fd);
	printf("-- %s\n", when);
	for (char *l = maps, *nl; *l; l = nl + 1) {
		unsigned long start;
		char perms[5];
		if (!(nl = strchr(l, '\n')))
			break;
		*nl = '\0';
		if (sscanf(l, "%lx-%*x %4s", &start, perms) != 2 || start < BASE || start >= BASE + SPAN)
			continue;
		if (perms[3] == 's') /* cut after the permissions */
			printf("%.*s\n", (int)(strstr(l, perms) - l) + 4, l);
		else
			printf("%s\n", l);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	map("r--", 0x00000, 2, PROT_READ, MAP_PRIVATE);
	map("rw-", 0x10000, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	map("r-x", 0x20000, 3, PROT_READ | PROT_EXEC, MAP_PRIVATE);
	map("---", 0x30000, 1, PROT_NONE, MAP_PRIVATE);
	map("-w-", 0x40000, 1, PROT_WRITE, MAP_PRIVATE);
	map("--x", 0x50000, 1, PROT_EXEC, MAP_PRIVATE);
	map("shared rw-", 0x60000, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	map("shared r--", 0x70000, 1, PROT_READ, MAP_SHARED);
	show_maps("one region per protection");

	map("adjacent 1", 0x80000, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	map("adjacent 2", 0x82000, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	((volatile char *)BASE)[0x80000] = 1; /* touched or not, still one line */
	show_maps("two adjacent rw- regions: one line");

	map("to split", 0x90000, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	printf("mprotect middle r--: %d\n", mprotect((void *)(BASE + 0x91000), 2 * PG, PROT_READ));
	show_maps("mprotect splits a region in three");

	printf("munmap r-x middle page: %d\n", munmap((void *)(BASE + 0x21000), PG));
	show_maps("munmap punches a hole");
	return 0;
}
