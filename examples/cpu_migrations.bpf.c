// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_migrations: which cgroups' tasks are moved between CPUs, and how often?
 *
 * The scheduler fires sched_migrate_task whenever it moves a task to another
 * CPU: load balancing, a wakeup placed on a different CPU, or an affinity
 * change (taskset, sched_setaffinity, cpusets). Each one adds 1 under the
 * cgroup v2 id of the task being moved; the exporter turns the id into the
 * cgroup's path with the `cgroup` decoder (see cpu_migrations.yaml).
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_sched_migrate_task):
 *   sched_migrate_task (struct task_struct *p, int dest_cpu)
 * The id of the task's cgroup on the default (v2) hierarchy is
 * p->cgroups->dfl_cgrp->kn->id (on 64-bit kernels also the inode number of
 * the cgroup's directory); it is read with BPF_CORE_READ because p->cgroups
 * is an RCU pointer.
 * This is the task's cgroup, not the current one: migrations are often done
 * by another task (the stopper thread, or whoever called taskset).
 *
 * Map key:   u64 cgroup id   (label `cgroup`, size 8, decoders uint + cgroup)
 * Map value: u64 count
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u64);
} cpu_migrations_total SEC(".maps");

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(count_migration, struct task_struct *p, int dest_cpu)
{
	u64 cgroup_id = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);

	ebpf_exporter_increment_map(&cpu_migrations_total, &cgroup_id, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
