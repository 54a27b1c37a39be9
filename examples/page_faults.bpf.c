// SPDX-License-Identifier: GPL-2.0
/*
 * page_faults: which commands take page faults, in user or kernel mode,
 * on reads, writes or instruction fetches.
 *
 * Every x86 page fault adds 1 under (command, mode, access). `mode` is
 * where the CPU was: `user` for faults of the program's own instructions,
 * `kernel` for faults the kernel takes on the program's behalf, typically
 * while copying to or from a user buffer that is not populated yet (a
 * read() into freshly allocated memory faults in kernel mode).
 *
 * Hooks: tp_btf/page_fault_user and tp_btf/page_fault_kernel (the x86
 * `exceptions` events). On 6.18 both are (btf_trace_page_fault_*)
 *   (unsigned long address, struct pt_regs *regs, unsigned long error_code)
 * Only error_code is used; its X86_PF_* bits (arch/x86/include/asm/
 * trap_pf.h) give the access: bit 4 instruction fetch, else bit 1 write,
 * else read. These tracepoints exist on x86 only; attaching enables them
 * (their registration flips the static key the fault path checks).
 *
 * Map page_faults_total, key 20 bytes, no implicit padding:
 *   offset  0  char comm[16]   label `comm`,   size 16, string
 *   offset 16  u8   mode       label `mode`,   size 1,  uint + static_map
 *   offset 17  u8   access     label `access`, size 1,  padding 2,
 *                                                        uint + static_map
 *   offset 18  u8   pad[2]     (always zero)
 * Value: u64 count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

#define X86_PF_WRITE (1UL << 1)
#define X86_PF_INSTR (1UL << 4)

enum fault_mode {
	MODE_USER = 0,
	MODE_KERNEL = 1,
};

enum fault_access {
	ACCESS_READ = 0,
	ACCESS_WRITE = 1,
	ACCESS_INSTRUCTION = 2,
};

struct page_fault_key {
	char comm[16];
	u8 mode;
	u8 access;
	u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct page_fault_key);
	__type(value, u64);
} page_faults_total SEC(".maps");

static __always_inline int count_fault(u8 mode, unsigned long error_code)
{
	struct page_fault_key key = {};

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.mode = mode;
	if (error_code & X86_PF_INSTR)
		key.access = ACCESS_INSTRUCTION;
	else if (error_code & X86_PF_WRITE)
		key.access = ACCESS_WRITE;
	else
		key.access = ACCESS_READ;

	ebpf_exporter_increment_map(&page_faults_total, &key, 1);

	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	return count_fault(MODE_USER, error_code);
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(page_fault_kernel, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	return count_fault(MODE_KERNEL, error_code);
}

char LICENSE[] SEC("license") = "GPL";
