// SPDX-License-Identifier: MIT
/*
 * libebpf_exporter_mark.so: the exporter's uprobe-able "all configs are attached" mark.
 *
 * Upstream ebpf_exporter has an empty exported function post_attach_mark() in its own binary and
 * calls it once after attaching every config; BPF programs put a uprobe on it
 * (SEC("uprobe//proc/self/exe:post_attach_mark")) to run once at start-up, e.g. to walk existing
 * state. The Deno exporter's binary is deno, so the function lives in this tiny shared object:
 * the exporter attaches such uprobes to this file and calls the function through Deno.dlopen.
 *
 * Build: gcc -shared -fPIC -O2 -o libebpf_exporter_mark.so post_attach_mark.c
 */

__attribute__((visibility("default"), noinline)) void post_attach_mark(void)
{
	/* Keeps the call (and so the function's first instruction, where the uprobe sits). */
	asm volatile("" ::: "memory");
}
