// SPDX-License-Identifier: GPL-2.0
/*
 * oncpu_samples: what is running on the CPUs: which commands, and where in
 * the kernel?
 *
 * A software CPU clock perf event (PERF_TYPE_SOFTWARE = 1,
 * PERF_COUNT_SW_CPU_CLOCK = 0) samples every online CPU 49 times a second;
 * the exporter opens one event per CPU for the `perf_event/...` section
 * below and attaches the program to each. Each sample looks at the task it
 * interrupted:
 *
 *   - oncpu_samples_total counts it under the task's command name (the idle
 *     task is "swapper/N"): samples / 49 is roughly CPU seconds per command;
 *   - oncpu_kernel_stack_samples_total counts it under the interrupted kernel
 *     stack, when the CPU was in the kernel (including idle). Samples taken
 *     in user space have no kernel stack and are not counted there.
 *
 * The program context is struct bpf_perf_event_data (the interrupted
 * registers); bpf_get_stack(ctx, ..., 0) walks the kernel stack from them.
 * 49 Hz, not 50 or 100, so sampling does not beat against periodic work.
 *
 * Counter oncpu_samples_total, key 16 bytes:
 *   offset 0  char comm[16]   label `comm` size 16, decoder string
 *
 * Counter oncpu_kernel_stack_samples_total, key 256 bytes:
 *   offset 0  u64 frames[32]  label `kernel_stack` size 256, decoder kstack
 *   (return addresses, innermost first; bpf_get_stack zero-fills the rest,
 *   and kstack stops at the first 0; deeper stacks are cut at 32 frames)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

#define MAX_FRAMES 32

struct comm_key {
	char comm[TASK_COMM_LEN];
};

struct kernel_stack_key {
	u64 frames[MAX_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm_key);
	__type(value, u64);
} oncpu_samples_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kernel_stack_key);
	__type(value, u64);
} oncpu_kernel_stack_samples_total SEC(".maps");

SEC("perf_event/type=1,config=0,frequency=49")
int sample_oncpu(struct bpf_perf_event_data *ctx)
{
	struct comm_key comm = {};
	/* 256 bytes: fits the 512-byte BPF stack; zeroed, so short stacks end in 0 */
	struct kernel_stack_key stack = {};
	long len;

	bpf_get_current_comm(comm.comm, sizeof(comm.comm));
	ebpf_exporter_increment_map(&oncpu_samples_total, &comm, 1);

	/* flags 0: the kernel stack; returns the bytes written, 0 in user space */
	len = bpf_get_stack(ctx, stack.frames, sizeof(stack.frames), 0);
	if (len <= 0)
		return 0;

	ebpf_exporter_increment_map(&oncpu_kernel_stack_samples_total, &stack, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
