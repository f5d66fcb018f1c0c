/* proc.h - processes: an address space, open files and a set of threads.
 *
 * A process owns an mm (shared with a CLONE_VM|CLONE_VFORK child until that
 * child execs or exits), a file table, signal dispositions and its threads.
 * Its pid is the tid of its first thread.  Parent/child links and process
 * states are protected by proc_tree_lock; the thread list by p->lock.
 *
 * Life: ALIVE -> (last thread exits) ZOMBIE -> (parent's wait4) reaped and
 * freed.  exit_group, or a fatal signal, sets p->exiting: every thread
 * notices it on its way back to user mode, or is woken from a killable
 * sleep, and exits; the last one out makes the process a zombie, wakes the
 * parent and hands its children to init.
 *
 * Lock order: proc_tree_lock -> p->lock -> wait-queue locks -> scheduler locks. */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGURG 23
#define SIGWINCH 28

#define SIG_DFL 0ul
#define SIG_IGN 1ul

/* As user space lays it out for rt_sigaction (kernel's struct sigaction). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

/* Job control (SIGSTOP & co., SIGCONT): signal.c.  RUNNING -> STOPPING (a
 * stop signal arrived; every thread parks on its way to user mode) ->
 * STOPPED (the last to park told the parent) -> CONTINUED (SIGCONT: the
 * first to wake tells the parent) -> RUNNING.  SIGCONT during STOPPING
 * goes straight back to RUNNING, unreported, as on Linux. */
enum jobctl { JOB_RUNNING, JOB_STOPPING, JOB_STOPPED, JOB_CONTINUED };

struct process {
	int pid;                     /* fixed: tid of the first thread */
	char name[16];               /* basename of the program (exec) */
	struct spinlock lock;        /* protects threads, nthreads, exiting, exit_status, sig */
	struct list_head threads;    /* live tasks of this process */
	int nthreads;
	bool exiting;                /* group exit under way: every thread leaves */
	struct task *exec_task;      /* execve under way: every other thread leaves */
	int exit_status;             /* wait status (Linux encoding), valid once exiting */
	struct mm *mm;               /* changed only by exec (its only thread) and the exit of the
				      * last thread, under lock: others use process_get_mm() */
	struct files *files;         /* ditto */
	char cwd[256];               /* absolute, normalised; under lock */
	struct k_sigaction sig[NSIG + 1]; /* under lock */
	uint64_t sigpending;         /* process-directed signals, atomic */
	int sigsender[NSIG + 1];     /* kill: the sender's pid per pending signal (siginfo); under lock */
	enum jobctl jobctl;          /* under lock (read without it to decide whether to look) */
	int stop_sig;                /* the signal that stopped it; under lock */
	int nparked;                 /* threads parked in do_signal_stop; under lock */
	struct wait_queue stop_wait; /* stopped threads park here */

	/* under proc_tree_lock */
	enum proc_state state;
	struct process *parent;
	struct list_head children;
	struct list_head sibling;    /* in parent->children */
	struct wait_queue child_wait; /* the parent sleeps here in wait4 */
	int report;                  /* for the parent's wait4 WUNTRACED/WCONTINUED: a wait status
				      * (0x7f | sig << 8 stopped, 0xffff continued), 0 none */
	struct list_head all_node;   /* in all_processes, under proc_tree_lock */
};

extern struct spinlock proc_tree_lock;
extern struct process *init_process;

struct mm;
void process_link(struct process *p, struct process *parent);
void vfork_release(struct task *t);
struct process *process_alloc(void);   /* empty: no mm, files or threads yet */
void process_free(struct process *p);   /* a reaped zombie */
void process_add_thread(struct process *p, struct task *t);
struct process *process_find(int pid); /* caller holds proc_tree_lock */
/* init.batch, between two inits (the last one freed, init_process NULL):
 * SIGKILL every live process, free every zombie that has no parent to
 * reap it; the number still alive (0: none is left).  Any context that
 * may take proc_tree_lock (CPU 0's idle loop). */
int process_sweep_orphans(void);
/* Up to max pids >= from of live processes, ascending; the count. */
int process_pids(int *out, int max, int from);
struct mm *process_get_mm(struct process *p); /* a reference to p's mm, or NULL (exited) */
struct mm *process_set_mm(struct process *p, struct mm *mm); /* the old one (its reference passes to the caller) */
struct task *task_find(int tid);       /* ditto: any live thread */
/* Create the first process from an ELF file in the initramfs (kernel/main.c). */
int process_spawn_init(const char *path, int argc, const char *const *argv);
/* End the whole process with a wait status (exit_group, a fatal signal);
 * returns only if called for another process. */
void process_kill(struct process *p, int wait_status);
/* execve: end every other thread of the current process and wait until
 * they are gone; -EINTR if the process is being killed meanwhile. */
int process_kill_other_threads(void);
__noreturn void do_exit_group(int wait_status);
__noreturn void do_exit_thread(int code);
/* Send signal sig to a process (kill) or one thread (tgkill). */
int send_signal(struct process *p, struct task *t, int sig);
/* Deliver pending signals on the way back to user mode: a handler's frame
 * on the user stack, or the default action. */
void handle_signals(struct trap_frame *tf);
/* The process is stopping or stopped: park until SIGCONT or death. */
void do_signal_stop(void);
/* The only reason signal_pending() is true is a stop (no fatal signal, no
 * signal to handle): a sleep that must not end early (nanosleep) parks in
 * place and goes on after SIGCONT, as Linux's restart_block does. */
bool signal_stop_only(void);
/* Wake every thread of p but the caller (sleepers wake, running ones get
 * an IPI): they look at p's state on their way to user mode.  Under p->lock. */
void kick_other_threads(struct process *p);
/* tf is a system call's frame whose result may be an -ERESTART* code: turn
 * it into -EINTR or into a rerun of the call, as Linux decides, before the
 * handler of ka runs (NULL: no handler runs). */
void signal_syscall_restart(struct trap_frame *tf, const struct k_sigaction *ka);
/* A synchronous fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP)
 * for the current thread, from a user-mode exception: delivered at once
 * to its handler; blocked, ignored or default means death with a one-line
 * report naming reason. */
void force_sig_fault(int sig, int code, uint64_t addr, const char *reason, struct trap_frame *tf);
/* Report a user fault and kill the process: one line, then SIGSEGV's status. */
__noreturn void user_fault_kill(int sig, uint64_t addr, const char *reason, struct trap_frame *tf);
bool fatal_signal_pending(void); /* the current process is exiting */
/* ... or a signal is pending that the current thread does not block: an
 * interruptible sleep ends (signal.c). */
bool signal_pending(void);
/* The kernel's part of the end of init (kernel/main.c): set when init has
 * become a zombie; CPU 0's idle loop then reports and powers off, or with
 * init.batch= starts the next init (init_finish returns then). */
extern bool init_exited;
void init_finish(void);
/* futex.c: wake up to n waiters on uaddr of mm (CLONE_CHILD_CLEARTID too). */
long futex_wake(struct mm *mm, uint64_t uaddr, int n);
void futex_init(void);

/* Wait status encodings (as wait4 reports them). */
#define W_EXITCODE(code, sig) (((code) & 0xff) << 8 | ((sig) & 0x7f))
