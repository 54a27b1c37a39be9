// SPDX-License-Identifier: GPL-2.0
/*
 * execs: how many programs are started, and how often each command of
 * interest is.
 *
 * Every successful execve()/execveat() adds 1 to a machine-wide counter
 * and 1 under the new program's command name. The per-command counter is
 * filtered in the exporter, not in the kernel: its `regexp` decoder keeps
 * only the commands listed in execs.yaml and drops every other series
 * (dropping is not an error), so short-lived one-off commands cannot
 * flood Prometheus with series. Edit the pattern to choose what to keep;
 * the kernel side stays the same.
 *
 * Hook: tp_btf/sched_process_exec, on 6.18 (btf_trace_sched_process_exec)
 *   (struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
 * It fires once the new image is loaded, in the exec'ing task, after its
 * comm has been set to the new file's basename (first 15 bytes), so
 * bpf_get_current_comm() already returns the new name. Failed execs never
 * reach it.
 *
 * Map execs_total: ARRAY, key u32 0 (no labels), value u64 count.
 * Map execs_by_comm_total:
 *   key  char comm[16]   label `comm`, size 16, string + regexp
 *   value u64 count. A hash: commands first seen after it is full are not
 *   counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

struct exec_comm_key {
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} execs_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct exec_comm_key);
	__type(value, u64);
} execs_by_comm_total SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(count_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_comm_key key = {};
	u32 zero = 0;

	ebpf_exporter_increment_map(&execs_total, &zero, 1);

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	ebpf_exporter_increment_map(&execs_by_comm_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
