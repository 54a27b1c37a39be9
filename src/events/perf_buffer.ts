/**
 * Per-CPU perf buffers of a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`, consumed without libbpf's callbacks:
 * one `PERF_COUNT_SW_BPF_OUTPUT` event per online CPU, its ring mmap'ed, its fd stored in the map
 * at the CPU's index. Records are copied out with libc `memcpy` and parsed in TypeScript.
 *
 * Ring layout (linux/perf_event.h): page 0 is `struct perf_event_mmap_page` (`data_head` at 1024,
 * `data_tail` at 1032, `data_offset`/`data_size` at 1040/1048); the data area follows, a power of
 * two long. The kernel writes records at `data_head`; the reader consumes from `data_tail` and
 * stores it back so the kernel can reuse the space.
 * @module
 */

import { check, libbpf } from "../../ffi/libbpf.ts";
import {
  closeFd,
  growCopyBuffer,
  ioctl,
  loadU64,
  mmapShared,
  munmap,
  pageSize,
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  perfEventOpen,
  PROT_READ,
  PROT_WRITE,
  readAddress,
  storeU64,
} from "../../ffi/libc_events.ts";
import { onlineCpus } from "../bpf/cpus.ts";
import { perfEventAttr } from "../bpf/custom_sections.ts";

/** `PERF_RECORD_LOST`: `{header; u64 id; u64 lost}`. */
export const PERF_RECORD_LOST = 2;
/** `PERF_RECORD_SAMPLE`: with `PERF_SAMPLE_RAW`, `{header; u32 size; u8 data[size]}`. */
export const PERF_RECORD_SAMPLE = 9;
const HEADER_SIZE = 8; // struct perf_event_header { u32 type; u16 misc; u16 size; }

const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;

const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_BPF_OUTPUT = 10;
const PERF_SAMPLE_RAW = 1 << 10;
/** Data pages per CPU, a power of two (as upstream). */
const PAGES = 1024;

/** Receives what a perf buffer holds. */
export interface PerfRecordHandler {
  /** One `bpf_perf_event_output()` payload; the view is only valid during the call. */
  sample(raw: Uint8Array): void;
  /** The kernel dropped `count` samples because the buffer was full. */
  lost(count: number): void;
}

/**
 * Parses whole perf records packed back to back in `data` (a linear copy of the ring from
 * `data_tail` to `data_head`). Returns the bytes consumed; a truncated record at the end stops
 * the walk. Unknown record types are skipped by their size.
 */
export function parsePerfRecords(data: Uint8Array, handler: PerfRecordHandler): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + HEADER_SIZE <= data.length) {
    const type = view.getUint32(at, true);
    const size = view.getUint16(at + 6, true);
    if (size < HEADER_SIZE || at + size > data.length) break;
    if (type === PERF_RECORD_SAMPLE && size >= HEADER_SIZE + 4) {
      const rawSize = view.getUint32(at + HEADER_SIZE, true);
      const start = at + HEADER_SIZE + 4;
      handler.sample(data.subarray(start, Math.min(start + rawSize, at + size)));
    } else if (type === PERF_RECORD_LOST && size >= HEADER_SIZE + 16) {
      handler.lost(Number(view.getBigUint64(at + HEADER_SIZE + 8, true)));
    }
    at += size;
  }
  return at;
}

/** The `perf_event_attr` of a BPF output event: software, BPF_OUTPUT, raw samples, wake each. */
export function bpfOutputAttr(): Uint8Array<ArrayBuffer> {
  const attr = perfEventAttr({
    type: PERF_TYPE_SOFTWARE,
    config: BigInt(PERF_COUNT_SW_BPF_OUTPUT),
    samplePeriod: 1n,
  });
  const view = new DataView(attr.buffer);
  view.setBigUint64(24, BigInt(PERF_SAMPLE_RAW), true); // sample_type
  view.setUint32(48, 1, true); // wakeup_events
  return attr;
}

/** One CPU's ring. */
class CpuRing {
  #copy: Uint8Array<ArrayBuffer>;

  constructor(
    readonly cpu: number,
    readonly fd: number,
    readonly base: bigint,
    readonly mapLength: number,
    readonly dataStart: bigint,
    readonly dataSize: number,
  ) {
    this.#copy = new Uint8Array(new ArrayBuffer(Math.min(dataSize, 1 << 16)));
  }

  /** Consumes every complete record. */
  drain(handler: PerfRecordHandler): void {
    const head = loadU64(this.base + BigInt(DATA_HEAD));
    const tail = loadU64(this.base + BigInt(DATA_TAIL));
    const available = Number(head - tail);
    if (available <= 0) return;
    this.#copy = growCopyBuffer(this.#copy, available);
    // The data area is not mapped twice: copy [tail, head) in up to two pieces.
    const start = Number(tail % BigInt(this.dataSize));
    const first = Math.min(available, this.dataSize - start);
    readAddress(this.#copy, this.dataStart + BigInt(start), first);
    if (first < available) {
      readAddress(this.#copy.subarray(first), this.dataStart, available - first);
    }
    const consumed = parsePerfRecords(this.#copy.subarray(0, available), handler);
    storeU64(this.base + BigInt(DATA_TAIL), tail + BigInt(consumed));
  }

  close(): void {
    try {
      ioctl(this.fd, PERF_EVENT_IOC_DISABLE);
    } catch {
      // closing below releases the event anyway
    }
    munmap(this.base, this.mapLength);
    closeFd(this.fd);
  }
}

/** The perf buffers of one PERF_EVENT_ARRAY map, one per online CPU. */
export class PerfBuffer {
  readonly #rings: CpuRing[];
  readonly #mapFd: number;
  #closed = false;

  private constructor(mapFd: number, rings: CpuRing[]) {
    this.#mapFd = mapFd;
    this.#rings = rings;
  }

  /** The perf event fds to wait on (readable when a CPU's ring woke the reader). */
  get fds(): number[] {
    return this.#rings.map((r) => r.fd);
  }

  /**
   * Opens a BPF output event on every online CPU, maps its ring and stores its fd in the map.
   * Throws (after releasing what it opened) when any step fails.
   */
  static open(mapFd: number): PerfBuffer {
    const possible = libbpf().libbpf_num_possible_cpus();
    const online = new Set(onlineCpus());
    const page = pageSize();
    const mapLength = (PAGES + 1) * page;
    const attr = bpfOutputAttr();
    const rings: CpuRing[] = [];
    const buffer = new PerfBuffer(mapFd, rings);
    try {
      for (let cpu = 0; cpu < possible; cpu++) {
        if (!online.has(cpu)) continue;
        const fd = perfEventOpen(attr, cpu);
        let base: bigint;
        try {
          base = mmapShared(fd, mapLength, PROT_READ | PROT_WRITE, 0);
        } catch (e) {
          closeFd(fd);
          throw e;
        }
        const dataOffset = Number(loadU64(base + BigInt(DATA_OFFSET))) || page;
        const dataSize = Number(loadU64(base + BigInt(DATA_SIZE))) || PAGES * page;
        const ring = new CpuRing(cpu, fd, base, mapLength, base + BigInt(dataOffset), dataSize);
        rings.push(ring);
        const key = new Uint8Array(new Uint32Array([cpu]).buffer);
        const value = new Uint8Array(new Uint32Array([fd]).buffer);
        check(
          `storing the perf event of CPU ${cpu} in the map`,
          libbpf().bpf_map_update_elem(mapFd, key, value, 0n),
        );
        ioctl(fd, PERF_EVENT_IOC_ENABLE);
      }
    } catch (e) {
      buffer.close();
      throw e;
    }
    return buffer;
  }

  /** Consumes every CPU's records. */
  drain(handler: PerfRecordHandler): void {
    for (const ring of this.#rings) ring.drain(handler);
  }

  /** Removes the events from the map, disables and unmaps them (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ring of this.#rings) {
      const key = new Uint8Array(new Uint32Array([ring.cpu]).buffer);
      libbpf().bpf_map_delete_elem(this.#mapFd, key);
      ring.close();
    }
  }
}
