/* sig_interrupt.c - a handled signal ends a sleeping system call: -EINTR,
 * or the call again under SA_RESTART, as Linux decides per call (read of
 * a pipe, wait4, nanosleep, pause, rt_sigsuspend, rt_sigtimedwait); a
 * blocked signal whose default is to kill stays pending instead; a
 * process-directed signal goes to a thread that does not block it.
 *
 * Timing-proof: the signalling thread sends again and again (every 20 ms)
 * until the sleeper says it is back, so a signal that lands before the
 * sleeper is asleep only means one more handler run. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "oracle.h"

static atomic_int handled, back, handler_tid;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
	atomic_store(&handler_tid, (int)syscall(SYS_gettid));
}

static void catch_usr1(int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Until `back` is set: SIGUSR1 to the process (tid 0) or to one thread;
 * with `wfd` >= 0, after `handled` reaches 2, write to it (ends a read). */
struct nagger {
	pthread_t th;
	pid_t tid;
	int wfd;
};

static void *nag(void *arg)
{
	struct nagger *n = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* never the handler's thread */
	int wrote = 0;
	while (!atomic_load(&back)) {
		nap_ms(20);
		if (n->wfd >= 0 && atomic_load(&handled) >= 2 && !wrote) {
			wrote = write(n->wfd, "hello", 5) == 5;
			continue;
		}
		if (n->tid)
			syscall(SYS_tgkill, getpid(), n->tid, SIGUSR1);
		else
			kill(getpid(), SIGUSR1);
	}
	return NULL;
}

static void nag_start(struct nagger *n, pid_t tid, int wfd)
{
	atomic_store(&back, 0);
	atomic_store(&handled, 0);
	n->tid = tid;
	n->wfd = wfd;
	pthread_create(&n->th, NULL, nag, n);
}

static void nag_stop(struct nagger *n)
{
	atomic_store(&back, 1);
	pthread_join(n->th, NULL);
}

static pid_t me(void) { return (pid_t)syscall(SYS_gettid); }

static sigset_t just(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

/* A thread that does not block SIGUSR1, waiting for its handler to run. */
static atomic_int worker_tid;
static void *worker(void *arg)
{
	(void)arg;
	sigset_t usr1 = just(SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	atomic_store(&worker_tid, (int)me());
	for (int i = 0; i < 500 && !atomic_load(&handled); i++)
		nap_ms(10);
	return NULL;
}

static void pipe_read(int flags, const char *what)
{
	catch_usr1(flags);
	int p[2];
	pipe(p);
	struct nagger n;
	nag_start(&n, me(), flags & SA_RESTART ? p[1] : -1);
	char buf[8];
	errno = 0;
	long r = read(p[0], buf, sizeof(buf));
	int e = errno;
	nag_stop(&n);
	printf("read of an empty pipe, %s: %ld %s, handler ran: %s\n", what, r < 0 ? -1L : r, r < 0 ? ename(e) : "",
	       atomic_load(&handled) ? "yes" : "no");
	close(p[0]);
	close(p[1]);
}

static void wait_child(int flags, const char *what)
{
	catch_usr1(flags);
	pid_t c = fork();
	if (c == 0) {
		nap_ms(300);
		_exit(7);
	}
	struct nagger n;
	nag_start(&n, me(), -1);
	int st = 0;
	errno = 0;
	pid_t r = waitpid(c, &st, 0);
	int e = errno;
	nag_stop(&n);
	printf("waitpid for a sleeping child, %s: %s", what, r == c ? "the child" : r < 0 ? ename(e) : "?");
	if (r == c)
		printf(", status %d", WEXITSTATUS(st));
	printf("\n");
	if (r != c)
		waitpid(c, &st, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	pipe_read(0, "handler without SA_RESTART");
	pipe_read(SA_RESTART, "handler with SA_RESTART");
	wait_child(0, "handler without SA_RESTART");
	wait_child(SA_RESTART, "handler with SA_RESTART");

	/* nanosleep: -EINTR with the time left, SA_RESTART or not */
	catch_usr1(SA_RESTART);
	struct nagger n;
	nag_start(&n, me(), -1);
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	errno = 0;
	int r = nanosleep(&req, &rem);
	int e = errno;
	nag_stop(&n);
	printf("nanosleep 5 s, SA_RESTART handler: %d %s, time left between 0 and 5 s: %s\n", r, r ? ename(e) : "",
	       (rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 5 ? "yes" : "no");

	/* pause: -EINTR once the handler ran */
	nag_start(&n, me(), -1);
	errno = 0;
	r = pause();
	e = errno;
	nag_stop(&n);
	printf("pause: %d %s, handler ran: %s\n", r, ename(e), atomic_load(&handled) ? "yes" : "no");

	/* sigsuspend: a blocked pending signal is delivered inside it, and the
	 * old mask (SIGUSR1 blocked) is back afterwards */
	sigset_t usr1 = just(SIGUSR1), old, none, cur;
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	atomic_store(&handled, 0);
	kill(getpid(), SIGUSR1);
	printf("blocked SIGUSR1 after kill: handled %d\n", atomic_load(&handled));
	errno = 0;
	r = sigsuspend(&none);
	e = errno;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("sigsuspend: %d %s, handled %d, SIGUSR1 blocked again: %s\n", r, ename(e), atomic_load(&handled),
	       sigismember(&cur, SIGUSR1) ? "yes" : "no");

	/* sigtimedwait: takes a blocked pending signal with its siginfo; a
	 * short timeout with nothing pending is EAGAIN */
	sigset_t usr2 = just(SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	kill(getpid(), SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec ts0 = { 0, 20000000 };
	r = sigtimedwait(&usr2, &si, &ts0);
	printf("sigtimedwait, SIGUSR2 pending: %s, si_code SI_USER: %s, from us: %s\n",
	       r == SIGUSR2 ? "SIGUSR2" : "other", si.si_code == SI_USER ? "yes" : "no",
	       si.si_pid == getpid() ? "yes" : "no");
	errno = 0;
	r = sigtimedwait(&usr2, &si, &ts0);
	printf("sigtimedwait, nothing pending, 20 ms: %d %s\n", r, ename(errno));
	/* ...and one sent to the process by another thread while we wait
	 * (every thread blocks it: only sigtimedwait can take it) */
	nag_start(&n, 0, -1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	struct timespec ts5 = { 5, 0 };
	r = sigtimedwait(&usr1, &si, &ts5);
	nag_stop(&n);
	printf("sigtimedwait for a signal another thread sends: %s, handler ran: %s\n",
	       r == SIGUSR1 ? "SIGUSR1" : ename(errno), atomic_load(&handled) ? "yes" : "no");
	sigtimedwait(&usr1, &si, &(struct timespec){ 0, 0 }); /* drop any second one */

	/* a process-directed signal goes to the thread that does not block it */
	catch_usr1(0);
	atomic_store(&handled, 0);
	atomic_store(&worker_tid, 0);
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	while (!atomic_load(&worker_tid))
		nap_ms(1);
	kill(getpid(), SIGUSR1); /* main blocks SIGUSR1 */
	pthread_join(th, NULL);
	printf("kill to the process, main blocks it: handled by the other thread: %s\n",
	       atomic_load(&handler_tid) == atomic_load(&worker_tid) ? "yes" : "no");
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* a blocked signal whose default kills stays pending; unblocked, it kills */
	pid_t c = fork();
	if (c == 0) {
		sigset_t term = just(SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		kill(getpid(), SIGTERM);
		sigset_t pend;
		sigpending(&pend);
		printf("child: alive with SIGTERM blocked and pending: %s\n", sigismember(&pend, SIGTERM) ? "yes" : "no");
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		printf("child: still alive after unblocking\n");
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child: %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}
