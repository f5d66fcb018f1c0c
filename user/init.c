/* init.c - the first user program (/init).  It shows /etc/motd when there is
 * one, starts /bin/sh, and then reaps every child that ends: as process 1 it
 * inherits orphans, whose zombies would otherwise pile up.  When the shell
 * exits, init exits with the shell's status, and the kernel powers off.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Copy /etc/motd to stdout; a missing file is not an error. */
static void show_motd(void)
{
	char buf[512];
	ssize_t n;
	int fd = open("/etc/motd", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write(1, buf, n);
	close(fd);
}

int main(void)
{
	char *argv[] = {"/bin/sh", NULL};
	pid_t sh_pid, pid;
	int err, status;

	show_motd();
	err = posix_spawn(&sh_pid, argv[0], NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "init: cannot run %s: %s\n", argv[0], strerror(err));
		return 1;
	}

	for (;;) {
		pid = wait4(-1, &status, 0, NULL);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			fprintf(stderr, "init: wait4: %s\n", strerror(errno));
			return 1;
		}
		if (pid != sh_pid)
			continue; /* an orphan we inherited: reaped, nothing more */
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + WTERMSIG(status);
	}
}
