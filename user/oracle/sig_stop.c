/* sig_stop.c - job control: SIGSTOP (and SIGTSTP at its default) stops
 * every thread of a process, SIGCONT resumes it, the parent sees both with
 * waitpid(WUNTRACED / WCONTINUED) and gets SIGCHLD unless SA_NOCLDSTOP; a
 * caught SIGTSTP does not stop; SIGKILL ends a stopped process. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include "oracle.h"

static volatile atomic_long *counter; /* shared with the children */
static atomic_int chld;

static void on_chld(int sig)
{
	(void)sig;
	atomic_fetch_add(&chld, 1);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		atomic_fetch_add(counter, 1);
	return NULL;
}

static const char *status(int st)
{
	static char buf[64];
	if (WIFSTOPPED(st))
		snprintf(buf, sizeof(buf), "stopped by %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(buf, sizeof(buf), "continued");
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "killed by %d", WTERMSIG(st));
	else
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(st));
	return buf;
}

/* Does the counter move in 100 ms? */
static const char *moving(void)
{
	long a = atomic_load(counter);
	nap_ms(100);
	return atomic_load(counter) != a ? "moving" : "still";
}

static void on_tstp(int sig) { (void)sig; }

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa = { .sa_handler = on_chld };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	/* a child of two spinning threads, stopped and continued from outside */
	pid_t c = fork();
	if (c == 0) {
		pthread_t th;
		pthread_create(&th, NULL, spin, NULL);
		spin(NULL);
	}
	while (atomic_load(counter) < 1000)
		nap_ms(5);
	int st;
	printf("child runs: counter %s\n", moving());
	atomic_store(&chld, 0);
	kill(c, SIGSTOP);
	pid_t r = waitpid(c, &st, WUNTRACED);
	printf("waitpid WUNTRACED: %s, %s; SIGCHLD: %s\n", r == c ? "the child" : "?", status(st),
	       atomic_load(&chld) ? "yes" : "no");
	printf("stopped: counter %s\n", moving());
	printf("waitpid WUNTRACED|WNOHANG again: %d (reported once)\n", (int)waitpid(c, &st, WUNTRACED | WNOHANG));
	kill(c, SIGCONT);
	r = waitpid(c, &st, WCONTINUED);
	printf("waitpid WCONTINUED: %s, %s\n", r == c ? "the child" : "?", status(st));
	printf("continued: counter %s\n", moving());
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGKILL);
	r = waitpid(c, &st, 0);
	printf("SIGKILL while stopped: %s\n", status(st));

	/* a child that stops itself; with SA_NOCLDSTOP no SIGCHLD for that */
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	atomic_store(&chld, 0);
	c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(3);
	}
	r = waitpid(c, &st, WUNTRACED);
	printf("raise(SIGSTOP): %s; SIGCHLD with SA_NOCLDSTOP: %s\n", status(st), atomic_load(&chld) ? "yes" : "no");
	kill(c, SIGCONT);
	r = waitpid(c, &st, 0);
	printf("after SIGCONT: %s\n", status(st));

	/* a stop and continue during nanosleep is not an interruption */
	c = fork();
	if (c == 0) {
		struct timespec ts = { 0, 400000000 };
		_exit(nanosleep(&ts, NULL) == 0 ? 5 : 6);
	}
	nap_ms(50);
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	nap_ms(50);
	kill(c, SIGCONT);
	waitpid(c, &st, 0);
	printf("nanosleep across a stop: %s (5: it returned 0)\n", status(st));

	/* SIGTSTP stops at its default, not when caught */
	c = fork();
	if (c == 0) {
		raise(SIGTSTP);
		struct sigaction ts = { .sa_handler = on_tstp };
		sigemptyset(&ts.sa_mask);
		sigaction(SIGTSTP, &ts, NULL);
		raise(SIGTSTP);
		_exit(4);
	}
	r = waitpid(c, &st, WUNTRACED);
	printf("raise(SIGTSTP) at its default: %s\n", status(st));
	kill(c, SIGCONT);
	r = waitpid(c, &st, WUNTRACED);
	printf("then caught, the child goes on: %s\n", status(st));
	return 0;
}
