// SPDX-License-Identifier: GPL-2.0
/*
 * oom_kills: which processes the OOM killer kills, in which cgroups.
 *
 * Every task chosen as an OOM victim adds 1 under (the victim's cgroup,
 * the victim's command name). This covers both system-wide OOMs and
 * memory cgroup limits (cgroup v2 memory.max, or v1 memory.limit_in_bytes
 * on a hybrid layout); the cgroup label is always the victim's cgroup v2
 * path, resolved with `uint` + `cgroup` (on a hybrid layout, its path
 * under /sys/fs/cgroup/unified).
 *
 * Hook: tp_btf/mark_victim, on 6.18 (btf_trace_mark_victim)
 *   (struct task_struct *task, uid_t uid)
 * It fires in whatever task runs the OOM killer (often the allocating
 * task, not the victim), so the victim's identity is read from the task
 * argument: task->comm and task->cgroups->dfl_cgrp->kn->id, the same id
 * bpf_get_current_cgroup_id() returns for a running task.
 *
 * Map oom_kills_total, key 24 bytes, no implicit padding:
 *   offset  0  u64  cgroup id   label `cgroup`, size 8,  uint + cgroup
 *   offset  8  char comm[16]    label `comm`,   size 16, string
 * Value: u64 count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

struct oom_kill_key {
	u64 cgroup;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct oom_kill_key);
	__type(value, u64);
} oom_kills_total SEC(".maps");

SEC("tp_btf/mark_victim")
int BPF_PROG(oom_mark_victim, struct task_struct *task, uid_t uid)
{
	struct oom_kill_key key = {};

	key.cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&key.comm, task, comm);

	ebpf_exporter_increment_map(&oom_kills_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
