/* spawn_storm.c - processes created and reaped from several threads at
 * once.  Three threads each posix_spawn 8 copies of this test (argv[0] must
 * be its path) and then wait for their own children by pid, in reverse
 * order.  Every child gets the write end of one shared pipe as fd 20
 * (posix_spawn_file_actions_adddup2; all other pipe ends are close-on-exec),
 * writes one line "msg T I PID" to it and exits with a status made from T
 * and I.  Meanwhile the main thread spawns a child that tells it (through a
 * second pipe) that it is about to read from an empty third pipe, and kills
 * it with SIGKILL while it is blocked there.  After every thread is joined
 * and every child reaped, the parent closes its write end, reads the pipe
 * to EOF, and checks that each child wrote exactly one line carrying the pid
 * posix_spawn gave its parent, and every exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define NR_SPAWNERS	    3
#define PER_SPAWNER	    8
#define NR_CHILDREN	    (NR_SPAWNERS * PER_SPAWNER)
#define MSG_FD		    20 /* the message pipe in a child */
#define READY_FD	    21 /* the blocking child's "about to block" pipe */
#define BLOCK_FD	    22 /* the empty pipe it blocks on */

extern char **environ;

static const char *self;
static int msg_wr; /* the message pipe's write end (close-on-exec) */

struct child {
	pid_t pid;	 /* from posix_spawn, 0 if that failed */
	pid_t reaped;	 /* what waitpid returned */
	int status;	 /* its wait status */
	int spawn_err;	 /* posix_spawn's error */
	int nr_msgs;	 /* lines that named this child */
	pid_t msg_pid;	 /* the pid in its line */
};
static struct child children[NR_SPAWNERS][PER_SPAWNER];

static int exit_code(int t, int i) { return 3 + (t * PER_SPAWNER + i) * 5; }

/* ---- the children ---- */

static int child_msg(int t, int i)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "msg %d %d %d\n", t, i, (int)getpid());

	if (write(MSG_FD, line, n) != n)
		return 99;
	return exit_code(t, i);
}

static int child_block(void)
{
	char c = 'r';

	if (write(READY_FD, &c, 1) != 1)
		return 98;
	while (read(BLOCK_FD, &c, 1) < 0 && errno == EINTR) /* blocks: the pipe stays empty */
		;
	return 97; /* only if the read returned */
}

/* ---- the parent ---- */

static int spawn_with(pid_t *pid, posix_spawn_file_actions_t *fa, char *const argv[])
{
	return posix_spawn(pid, self, fa, NULL, argv, environ);
}

static void *spawner(void *arg)
{
	int t = (int)(long)arg;
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, msg_wr, MSG_FD);
	for (int i = 0; i < PER_SPAWNER; i++) {
		char ts[16], is[16];
		snprintf(ts, sizeof(ts), "%d", t);
		snprintf(is, sizeof(is), "%d", i);
		char *argv[] = {(char *)self, "child-msg", ts, is, NULL};
		children[t][i].spawn_err = spawn_with(&children[t][i].pid, &fa, argv);
		if (children[t][i].spawn_err)
			children[t][i].pid = 0;
	}
	posix_spawn_file_actions_destroy(&fa);
	for (int i = PER_SPAWNER - 1; i >= 0; i--) {
		struct child *c = &children[t][i];
		if (c->pid > 0)
			c->reaped = wait_child(c->pid, &c->status);
	}
	return NULL;
}

/* Spawn the blocking child, wait until it is about to block, kill it. */
static void kill_blocked_child(void)
{
	int ready[2], block[2], status = 0;
	char c, got[64];
	pid_t pid = 0, r;
	posix_spawn_file_actions_t fa;

	if (!check(pipe2(ready, O_CLOEXEC) == 0 && pipe2(block, O_CLOEXEC) == 0, "pipes for the blocking child",
		   "pipe2: %s", strerror(errno)))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ready[1], READY_FD);
	posix_spawn_file_actions_adddup2(&fa, block[0], BLOCK_FD);
	int err = spawn_with(&pid, &fa, (char *[]){(char *)self, "child-block", NULL});
	posix_spawn_file_actions_destroy(&fa);
	close(ready[1]);
	close(block[0]);
	if (err) {
		check(false, "SIGKILL ends a child blocked reading an empty pipe", "posix_spawn: %s", strerror(err));
		close(ready[0]);
		close(block[1]);
		return;
	}
	ssize_t n;
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	sleep_ms(20); /* let it get into the read */
	int kr = kill(pid, SIGKILL);
	r = wait_child(pid, &status);
	check(n == 1 && kr == 0 && r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "SIGKILL ends a child blocked reading an empty pipe", "ready read %zd, kill %d, wait4 %d (pid %d), %s", n,
	      kr, r, pid, status_str(status, got, sizeof(got)));
	close(ready[0]);
	close(block[1]);
}

int main(int argc, char **argv)
{
	int msg[2];
	pthread_t th[NR_SPAWNERS];
	int created = 0;

	self = argv[0];
	if (argc == 4 && strcmp(argv[1], "child-msg") == 0)
		return child_msg(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && strcmp(argv[1], "child-block") == 0)
		return child_block();

	if (!check(pipe2(msg, O_CLOEXEC) == 0, "pipe2 for the messages", "%s", strerror(errno)))
		return check_done();
	msg_wr = msg[1];
	for (long t = 0; t < NR_SPAWNERS; t++)
		created += pthread_create(&th[created], NULL, spawner, (void *)t) == 0;
	kill_blocked_child();
	for (int t = 0; t < created; t++)
		pthread_join(th[t], NULL);
	check_eq(created, NR_SPAWNERS, "create the spawner threads");

	/* All children are reaped: ours is the last write end. */
	close(msg[1]);
	static char buf[8192];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(msg[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(msg[0]);

	int bad_lines = 0;
	for (char *line = buf, *end; *line; line = end + 1) {
		int t, i, pid, used = 0;
		end = strchr(line, '\n');
		if (!end) {
			bad_lines++;
			break;
		}
		*end = '\0';
		if (sscanf(line, "msg %d %d %d%n", &t, &i, &pid, &used) != 3 || line[used] || t < 0 ||
		    t >= NR_SPAWNERS || i < 0 || i >= PER_SPAWNER) {
			bad_lines++;
			continue;
		}
		children[t][i].nr_msgs++;
		children[t][i].msg_pid = pid;
	}

	int spawned = 0, bad_reap = 0, bad_status = 0, bad_msgs = 0;
	char first_reap[128] = "", first_status[128] = "", first_msg[128] = "", first_spawn[128] = "", got[64];
	for (int t = 0; t < NR_SPAWNERS; t++)
		for (int i = 0; i < PER_SPAWNER; i++) {
			struct child *c = &children[t][i];
			if (c->spawn_err) {
				if (!first_spawn[0])
					snprintf(first_spawn, sizeof(first_spawn), "child %d.%d: %s", t, i,
						 strerror(c->spawn_err));
				continue;
			}
			spawned++;
			if (c->reaped != c->pid && !bad_reap++)
				snprintf(first_reap, sizeof(first_reap), "child %d.%d pid %d: waitpid returned %d", t,
					 i, c->pid, c->reaped);
			if (!(WIFEXITED(c->status) && WEXITSTATUS(c->status) == exit_code(t, i)) && !bad_status++)
				snprintf(first_status, sizeof(first_status), "child %d.%d pid %d: %s, want exit %d", t,
					 i, c->pid, status_str(c->status, got, sizeof(got)), exit_code(t, i));
			if ((c->nr_msgs != 1 || c->msg_pid != c->pid) && !bad_msgs++)
				snprintf(first_msg, sizeof(first_msg), "child %d.%d pid %d: %d lines, pid %d in it",
					 t, i, c->pid, c->nr_msgs, c->msg_pid);
		}
	check(spawned == NR_CHILDREN, "posix_spawn from 3 threads at once starts every child", "%d of %d; first: %s",
	      spawned, NR_CHILDREN, first_spawn);
	check(!bad_reap, "waitpid by pid from each spawning thread reaps its own child", "%d wrong; first: %s", bad_reap,
	      first_reap);
	check(!bad_status, "every child's exit status arrives", "%d wrong; first: %s", bad_status, first_status);
	check(!bad_msgs, "every child wrote one line with its own pid", "%d wrong; first: %s", bad_msgs, first_msg);
	check(!bad_lines, "the pipe holds nothing but those lines", "%d bad lines in %zu bytes", bad_lines, len);
	int status;
	pid_t r = waitpid(-1, &status, WNOHANG);
	check_errno(r, errno, ECHILD, "no child is left over");
	return check_done();
}
