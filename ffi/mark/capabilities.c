// SPDX-License-Identifier: MIT
/*
 * Capability sets for every thread of the process.
 *
 * capset(2) changes only the calling thread, and a Deno process has several threads (V8 workers,
 * the tokio runtime and its blocking pool). To reduce the process's capabilities for real, every
 * thread must call capset itself: this broadcasts a real-time signal to each thread listed in
 * /proc/self/task, whose handler applies the same sets (and clears ambient capabilities), waits
 * until each has done it, then applies them to the calling thread. Threads created afterwards
 * inherit the reduced sets from their creator. (libcap's "psx" does the same for C programs.)
 *
 * Deno cannot install a signal handler that runs on arbitrary threads (a JS callback from a
 * foreign thread is not allowed, and not under a path-scoped --allow-ffi at all), hence this C.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct __user_cap_header_struct cap_header;
static struct __user_cap_data_struct cap_data[2];
static atomic_int threads_done;
static atomic_int threads_failed;

static int apply_here(void)
{
	if (syscall(SYS_capset, &cap_header, cap_data) != 0)
		return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return 0;
}

static void on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (apply_here() != 0)
		atomic_fetch_add(&threads_failed, 1);
	atomic_fetch_add(&threads_done, 1);
	errno = saved;
}

/* Signals every other thread once; returns how many were signalled, or -1. */
static int signal_threads(pid_t pid, pid_t self, int sig, pid_t *seen, int *nseen, int max)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *entry;
	int sent = 0;

	if (!dir)
		return -1;
	while ((entry = readdir(dir)) != NULL) {
		pid_t tid = (pid_t)atoi(entry->d_name);
		int known = 0;

		if (tid <= 0 || tid == self)
			continue;
		for (int i = 0; i < *nseen; i++)
			known |= seen[i] == tid;
		if (known || *nseen >= max)
			continue;
		seen[(*nseen)++] = tid;
		if (syscall(SYS_tgkill, pid, tid, sig) == 0)
			sent++;
	}
	closedir(dir);
	return sent;
}

/*
 * Sets the effective, permitted and inheritable capability sets (two 32-bit words each, low word
 * first) on every thread. Returns the number of threads that could not be changed (0 on success),
 * or -errno when the handler could not be installed.
 */
__attribute__((visibility("default"))) int ebpf_exporter_set_caps_all_threads(
	uint32_t effective_lo, uint32_t effective_hi, uint32_t permitted_lo, uint32_t permitted_hi,
	uint32_t inheritable_lo, uint32_t inheritable_hi)
{
	const int sig = SIGRTMAX - 3;
	struct sigaction action, previous;
	pid_t pid = getpid();
	pid_t self = (pid_t)syscall(SYS_gettid);
	pid_t seen[4096];
	int nseen = 0, expected = 0, failed;

	memset(&cap_header, 0, sizeof(cap_header));
	cap_header.version = _LINUX_CAPABILITY_VERSION_3;
	cap_data[0].effective = effective_lo;
	cap_data[1].effective = effective_hi;
	cap_data[0].permitted = permitted_lo;
	cap_data[1].permitted = permitted_hi;
	cap_data[0].inheritable = inheritable_lo;
	cap_data[1].inheritable = inheritable_hi;
	atomic_store(&threads_done, 0);
	atomic_store(&threads_failed, 0);

	memset(&action, 0, sizeof(action));
	action.sa_handler = on_signal;
	action.sa_flags = SA_RESTART;
	sigemptyset(&action.sa_mask);
	if (sigaction(sig, &action, &previous) != 0)
		return -errno;

	/* Twice: a thread started while the first pass ran is caught by the second. */
	for (int pass = 0; pass < 2; pass++) {
		int sent = signal_threads(pid, self, sig, seen, &nseen, 4096);

		if (sent > 0)
			expected += sent;
		for (int waited = 0; atomic_load(&threads_done) < expected && waited < 2000; waited++) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	failed = atomic_load(&threads_failed) + (expected - atomic_load(&threads_done));
	if (apply_here() != 0)
		failed++;
	sigaction(sig, &previous, NULL);
	return failed;
}
