// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_sendmsg_bytes: which programs write how much data into TCP sockets,
 * in bytes passed to send()/write()/sendmsg() (what the application asked
 * to send; the kernel may accept less on a non-blocking socket).
 *
 * NEEDS KPROBES (CONFIG_KPROBES and CONFIG_KPROBE_EVENTS). On a kernel
 * without them the exporter says "the kernel lacks kprobes" and the program
 * stays unattached (fatal under --config.strict). Without kprobes, the
 * classic tracepoint sock/sock_send_length (fields: sk, family, protocol,
 * ret = bytes sent or -errno, flags; filter protocol == IPPROTO_TCP)
 * answers a similar question, counting bytes accepted rather than asked.
 *
 * Hook: kprobe on the kernel function tcp_sendmsg(struct sock *sk,
 * struct msghdr *msg, size_t size) (net/ipv4/tcp.c, the same on 6.18). It
 * runs in the sending task, so the comm is the sender's. sendfile() and
 * splice() to a TCP socket go through tcp_sendmsg too (since 6.5, with
 * MSG_SPLICE_PAGES), and are counted.
 *
 * Map key, 16 bytes:
 *   offset 0  char comm[16]  label `comm`  size 16, decoder string
 * Map value: u64 bytes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

struct comm_key {
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm_key);
	__type(value, u64);
} tcp_sendmsg_bytes_total SEC(".maps");

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(count_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size)
{
	struct comm_key key = {};

	bpf_get_current_comm(key.comm, sizeof(key.comm));

	ebpf_exporter_increment_map(&tcp_sendmsg_bytes_total, &key, size);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
