// SPDX-License-Identifier: GPL-2.0
/*
 * signals: which signals are sent, by whom, to whom, and what became of
 * them.
 *
 * Every signal generated for a task adds 1 under (receiver command,
 * sender command, signal, result). "Who keeps sending SIGKILL to my
 * service?" and "which processes die of SIGSEGV?" read straight off it.
 *
 * Hook: tp_btf/signal_generate, on 6.18 (btf_trace_signal_generate)
 *   (int sig, struct kernel_siginfo *info, struct task_struct *task,
 *    int group, int result)
 * It fires in the sending context for kill(), tgkill(), the kernel's own
 * signals (SIGCHLD from an exiting child, SIGSEGV from a fault, SIGPIPE,
 * SIGKILL from the OOM killer, ...), including signals the receiver
 * ignores. The sender is the current task (for a kernel-raised signal,
 * whatever task was running: the faulting task itself for SIGSEGV, the
 * exiting child for SIGCHLD); the receiver is task->comm.
 * result is enum trace_signal_result: 0 delivered (queued to the task),
 * 1 ignored (discarded: SIG_IGN, or default-ignored like SIGWINCH,
 * SIGCHLD, SIGURG), 2 already pending (a standard signal merges into the
 * pending one), 3 overflow fail (real-time queue full), 4 lose info (queued
 * without its siginfo).
 * signal_deliver, the other signal event, fires only when a task takes a
 * queued signal, so it never sees ignored ones; generate sees everything.
 *
 * Map signals_total, key 36 bytes, no implicit padding:
 *   offset  0  char comm[16]     label `comm`,   size 16, string (receiver)
 *   offset 16  char sender[16]   label `sender`, size 16, string
 *   offset 32  u8   sig          label `signal`, size 1, uint + static_map
 *   offset 33  u8   result       label `result`, size 1, padding 2,
 *                                                       uint + static_map
 *   offset 34  u8   pad[2]       (always zero)
 * Value: u64 count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

struct signal_key {
	char comm[16];
	char sender[16];
	u8 sig;
	u8 result;
	u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct signal_key);
	__type(value, u64);
} signals_total SEC(".maps");

SEC("tp_btf/signal_generate")
int BPF_PROG(count_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct signal_key key = {};

	BPF_CORE_READ_STR_INTO(&key.comm, task, comm);
	bpf_get_current_comm(key.sender, sizeof(key.sender));
	key.sig = sig;
	key.result = result;

	ebpf_exporter_increment_map(&signals_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
