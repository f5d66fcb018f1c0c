/* poll.c - poll(2), minimal: pipes and the tty report their state, every
 * other file (initramfs files, /dev/null) is always ready for reading and
 * writing, as regular files are on Linux.
 *
 * One global wait queue, file_poll_wq, is woken by every event a poller
 * may wait for (tty input, pipe reads, writes and closes).  A poller holds
 * references to its files, queues itself there and re-scans its fds after
 * each wakeup (the scan reads file state with READ_ONCE only: it runs with
 * the task already marked sleeping, so it must not sleep or lock).  Simple
 * rather than scalable: every poller wakes on every such event.
 *
 * Locking: none of its own; the files and fd table lock themselves. */
#include "kernel/fs/file_internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "mm/slab.h"

struct pollfd {
	int fd;
	short events, revents;
};

static unsigned file_poll_mask(struct file *f)
{
	if (file_is_pipe(f))
		return pipe_poll(f);
	if (file_is_tty(f))
		return tty_poll(f);
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

/* Fill revents; the number of fds with any. */
static int poll_scan(struct pollfd *fds, struct file **files, unsigned n)
{
	int ready = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned m = 0;
		if (fds[i].fd >= 0)
			m = files[i] ? file_poll_mask(files[i]) & ((unsigned short)fds[i].events | POLLERR | POLLHUP)
				     : POLLNVAL;
		fds[i].revents = (short)m;
		ready += m != 0;
	}
	return ready;
}

static long poll_wait(struct pollfd *fds, struct file **files, unsigned n, int timeout_ms)
{
	int ready = poll_scan(fds, files, n);
	if (ready || !timeout_ms)
		return ready;
	uint64_t deadline = timeout_ms < 0 ? 0 : time_ns() + (uint64_t)timeout_ms * 1000000;
	/* a signal ends it with -EINTR, whatever SA_RESTART says (signal(7)) */
	int r = wait_event_interruptible_deadline(file_poll_wq, (ready = poll_scan(fds, files, n)) > 0, deadline);
	if (r == -EINTR)
		return r;
	return poll_scan(fds, files, n);
}

static long sys_poll(struct pollfd __user *ufds, unsigned nfds, int timeout_ms)
{
	if (nfds > NR_OPEN) /* Linux: more than RLIMIT_NOFILE */
		return -EINVAL;
	struct pollfd *fds = kmalloc(nfds * sizeof(*fds));
	struct file **files = kzalloc(nfds * sizeof(*files));
	long r = fds && files ? 0 : -ENOMEM;
	if (!r && copy_from_user(fds, ufds, nfds * sizeof(*fds)))
		r = -EFAULT;
	for (unsigned i = 0; !r && i < nfds; i++)
		files[i] = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
	if (!r)
		r = poll_wait(fds, files, nfds, timeout_ms);
	/* Linux writes the revents back even when nothing was ready. */
	for (unsigned i = 0; r >= 0 && i < nfds; i++)
		if (put_user(fds[i].revents, &ufds[i].revents))
			r = -EFAULT;
	for (unsigned i = 0; files && i < nfds; i++)
		file_put(files[i]);
	kfree(fds);
	kfree(files);
	return r;
}

SYSCALL(poll, sys_poll);
