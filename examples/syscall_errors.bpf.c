// SPDX-License-Identifier: GPL-2.0
/*
 * syscall_errors: which system calls fail, with which errno, in which
 * commands.
 *
 * At every system call exit a negative return value in the errno range
 * (-4095..-1) adds 1 under (command, syscall, errno). The exporter decodes
 * the number with `uint` + `syscall` and the error with `uint` + `errno`:
 * `{comm="bash",syscall="openat",errno="ENOENT"}`.
 *
 * Hook: raw_tp/sys_exit. On 6.18 (btf_trace_sys_exit) its arguments are
 *   (struct pt_regs *regs, long ret)
 * The syscall number is not an argument here: it is read from the saved
 * registers, regs->orig_ax on x86_64. raw_tp arguments are untyped for the
 * verifier, so the read goes through BPF_CORE_READ.
 *
 * The tracepoint runs before signal handling on the way back to user space,
 * so interrupted calls show the kernel-internal restart codes that user
 * space never sees: ERESTARTSYS (512), ERESTARTNOINTR (513),
 * ERESTARTNOHAND (514) and ERESTART_RESTARTBLOCK (516) appear as
 * `unknown:512` ... (the errno table has no names for them).
 *
 * Map syscall_errors_total, key 24 bytes, no implicit padding:
 *   offset  0  char comm[16]   label `comm`,    size 16, string
 *   offset 16  u32  id         label `syscall`, size 4,  uint + syscall
 *   offset 20  u32  error      label `errno`,   size 4,  uint + errno
 * Value: u64 count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

/* MAX_ERRNO in include/linux/err.h: larger "negative" values are addresses */
#define MAX_ERRNO 4095

struct syscall_error_key {
	char comm[16];
	u32 id;
	u32 error;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_error_key);
	__type(value, u64);
} syscall_errors_total SEC(".maps");

SEC("raw_tp/sys_exit")
int BPF_PROG(count_syscall_error, struct pt_regs *regs, long ret)
{
	struct syscall_error_key key = {};
	long id;

	if (ret >= 0 || ret < -MAX_ERRNO)
		return 0;

	id = (long)BPF_CORE_READ(regs, orig_ax);
	if (id < 0)
		return 0;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.id = (u32)id;
	key.error = (u32)-ret;
	ebpf_exporter_increment_map(&syscall_errors_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
