// SPDX-License-Identifier: GPL-2.0
/*
 * syscalls: which system calls are made, and by which commands.
 *
 * Every system call entry adds 1 to two counters: one keyed by the syscall
 * number alone (cheap to graph machine-wide), one keyed by the calling
 * thread's command name and the syscall number (to find who is busy). The
 * exporter turns the number into upstream's x86_64 syscall name with the
 * `uint` + `syscall` decoders (exit_group shows as `exit`, clock_gettime as
 * `clock_gettime64`, ...).
 *
 * Hook: raw_tp/sys_enter. On 6.18 (btf_trace_sys_enter) its arguments are
 *   (struct pt_regs *regs, long id)
 * where id is the syscall number; only id is used. A raw tracepoint needs
 * no tracefs and is cheaper than the classic raw_syscalls/sys_enter event.
 * 32-bit (ia32) syscalls of compat tasks carry their own numbering and are
 * counted under the x86_64 name of the same number.
 *
 * Map syscalls_total:
 *   key   u32 id                      label `syscall`, size 4, uint + syscall
 * Map syscalls_by_process_total, key 20 bytes, no implicit padding:
 *   offset  0  char comm[16]          label `comm`,    size 16, string
 *   offset 16  u32  id                label `syscall`, size 4,  uint + syscall
 * Values: u64 counts. Both are hashes: a (comm, syscall) pair first seen
 * after the map is full is not counted (existing counters never reset).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

struct syscall_by_process_key {
	char comm[16];
	u32 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} syscalls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_by_process_key);
	__type(value, u64);
} syscalls_by_process_total SEC(".maps");

SEC("raw_tp/sys_enter")
int BPF_PROG(count_syscall, struct pt_regs *regs, long id)
{
	struct syscall_by_process_key key = {};
	u32 nr = (u32)id;

	/* id is -1 when a ptrace tracer made the kernel skip the call */
	if (id < 0)
		return 0;

	ebpf_exporter_increment_map(&syscalls_total, &nr, 1);

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.id = nr;
	ebpf_exporter_increment_map(&syscalls_by_process_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
