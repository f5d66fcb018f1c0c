/* clone_settid_fault.c - clone with CLONE_PARENT_SETTID or CLONE_CHILD_SETTID
 * pointing at memory that cannot be written still makes the child, as on
 * Linux (kernel_clone and schedule_tail ignore the put_user's failure);
 * faultline returned -EFAULT.  Found by sysfuzz (its stats=1 table: clone
 * EFAULT on faultline, never on Linux).  The child exits at once. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static void try(long flags, void *ptid, void *ctid, const char *desc)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, ptid, ctid, 0);
	if (pid == 0)
		syscall(SYS_exit, 0);
	int st = -1;
	if (pid > 0)
		wait_child((pid_t)pid, &st);
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, desc, "clone returned %ld, status %#x", pid, st);
}

int main(void)
{
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *kernel = (void *)0xffff888000000000UL;
	try(CLONE_PARENT_SETTID, kernel, NULL, "CLONE_PARENT_SETTID to a kernel address: the child is made");
	try(CLONE_PARENT_SETTID, ro, NULL, "CLONE_PARENT_SETTID to a read-only page: the child is made");
	try(CLONE_PARENT_SETTID, (void *)16, NULL, "CLONE_PARENT_SETTID to the NULL page: the child is made");
	try(CLONE_CHILD_SETTID, NULL, kernel, "CLONE_CHILD_SETTID to a kernel address: the child is made");
	try(CLONE_CHILD_SETTID, NULL, ro, "CLONE_CHILD_SETTID to a read-only page: the child is made");
	/* the very last page: its range [va, va + 4096) wraps to 0 (mm.lock=range
	 * panicked on it before it checked the address; found by sysfuzz) */
	void *last = (void *)0xfffffffffffffff0UL;
	try(CLONE_CHILD_SETTID, NULL, last, "CLONE_CHILD_SETTID to the last page of the address space: the child is made");
	try(CLONE_PARENT_SETTID, last, NULL, "CLONE_PARENT_SETTID to the last page of the address space: the child is made");
	return check_done();
}
