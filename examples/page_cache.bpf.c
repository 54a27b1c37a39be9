// SPDX-License-Identifier: GPL-2.0
/*
 * page_cache: which commands bring file pages into the page cache, push
 * them out, and dirty them, on which disk.
 *
 * Three counters, in 4 KiB pages (a large folio counts all its pages), by
 * command name and the device of the file's filesystem:
 *   page_cache_pages_added_total    a page entered the cache: a read
 *                                   that missed (or its readahead), or a
 *                                   write that created a page
 *   page_cache_pages_removed_total  a page left the cache: truncate,
 *                                   fadvise(DONTNEED), reclaim (shows
 *                                   as kswapd0 or the allocating command)
 *   page_cache_pages_dirtied_total  a clean cached page became dirty
 *                                   (will need writeback)
 * Cache hits are not counted: the kernel has no tracepoint where a cached
 * page is found (folio_mark_accessed() and filemap_get_read_batch() are
 * plain functions, reachable only with kprobes/fentry). The
 * mm_filemap_get_pages event reports the range a read asked for, not
 * which pages were already there, so it cannot stand in for hits.
 *
 * Hooks (tp_btf, arguments on 6.18 from btf_trace_*):
 *   mm_filemap_add_to_page_cache      (struct folio *folio)
 *   mm_filemap_delete_from_page_cache (struct folio *folio)
 *   writeback_dirty_folio             (struct folio *folio,
 *                                      struct address_space *mapping)
 * The device is folio->mapping->host->i_sb->s_dev, converted from the
 * kernel's dev_t (major << 20 | minor) to the userspace encoding the
 * `majorminor` decoder reads; files on filesystems without a block device
 * (tmpfs, overlay, ...) show as `unknown:0:<minor>`. shmem/tmpfs pages do
 * not pass through these tracepoints at all.
 *
 * Maps page_cache_pages_{added,removed,dirtied}_total, key 20 bytes, no
 * implicit padding:
 *   offset  0  char comm[16]   label `comm`,   size 16, string
 *   offset 16  u32  dev        label `device`, size 4,  majorminor
 * Values: u64 pages.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

struct page_cache_key {
	char comm[16];
	u32 dev;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct page_cache_key);
	__type(value, u64);
} page_cache_pages_added_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct page_cache_key);
	__type(value, u64);
} page_cache_pages_removed_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct page_cache_key);
	__type(value, u64);
} page_cache_pages_dirtied_total SEC(".maps");

/* Older kernels (6.1 era) kept a large folio's order in a byte field of its own. */
struct folio___with_folio_order {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/*
 * folio_nr_pages(): 1 unless the folio is large (PG_head set in its
 * flags); a large folio's order is the low byte of _flags_1 on 6.18.
 */
static __always_inline u64 folio_pages(struct folio *folio)
{
	u64 flags = 0, flags_1 = 0;
	u8 order = 0;

	/* a raw read: folio->flags is memdesc_flags_t on 6.18, unsigned long before */
	bpf_core_read(&flags, sizeof(flags), &folio->flags);
	if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 1;

	if (bpf_core_field_exists(((struct folio___with_folio_order *)0)->_folio_order)) {
		order = BPF_CORE_READ((struct folio___with_folio_order *)folio, _folio_order);
	} else {
		bpf_core_read(&flags_1, sizeof(flags_1), &folio->_flags_1);
		order = flags_1 & 0xff;
	}

	return 1UL << (order & 0x3f);
}

static __always_inline int count_pages(void *map, struct folio *folio,
				       struct address_space *mapping)
{
	struct page_cache_key key = {};
	u32 kdev;

	if (!mapping)
		return 0;

	kdev = BPF_CORE_READ(mapping, host, i_sb, s_dev);
	/* MAJOR = kdev >> 20, MINOR = kdev & 0xfffff, as new_encode_dev() */
	key.dev = ((kdev >> 20) << 8) | (kdev & 0xff) | ((kdev & 0xfff00) << 12);
	bpf_get_current_comm(key.comm, sizeof(key.comm));

	ebpf_exporter_increment_map(map, &key, folio_pages(folio));

	return 0;
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(page_cache_add, struct folio *folio)
{
	return count_pages(&page_cache_pages_added_total, folio, BPF_CORE_READ(folio, mapping));
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(page_cache_delete, struct folio *folio)
{
	return count_pages(&page_cache_pages_removed_total, folio, BPF_CORE_READ(folio, mapping));
}

SEC("tp_btf/writeback_dirty_folio")
int BPF_PROG(page_cache_dirty, struct folio *folio, struct address_space *mapping)
{
	return count_pages(&page_cache_pages_dirtied_total, folio, mapping);
}

char LICENSE[] SEC("license") = "GPL";
