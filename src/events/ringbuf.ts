/**
 * A `BPF_MAP_TYPE_RINGBUF` consumer without libbpf's callbacks.
 *
 * Mapping (kernel/bpf/ringbuf.c): the consumer position page at offset 0 (read-write), then the
 * producer position page and the data area, read-only, mapped twice back to back so a record that
 * wraps is contiguous. Each record starts with an 8-byte header `{u32 len; u32 pg_off}`: bit 31 of
 * `len` (BUSY) means reserved but not committed yet, bit 30 (DISCARD) means dropped by the
 * program. Records are padded to 8 bytes.
 * @module
 */

import {
  growCopyBuffer,
  loadU64,
  mmapShared,
  munmap,
  pageSize,
  PROT_READ,
  PROT_WRITE,
  readAddress,
  storeU64,
} from "../../ffi/libc_events.ts";

/** Bit 31 of a record's length: reserved, not committed yet. */
export const RINGBUF_BUSY_BIT = 0x8000_0000;
/** Bit 30 of a record's length: discarded by the program. */
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
/** Size of a record header. */
const RINGBUF_HEADER_SIZE = 8;

/** Result of {@link parseRingbufRecords}. */
export interface RingbufWalk {
  /** Bytes of committed (or discarded) records from the start: how far the consumer may advance. */
  readonly consumed: number;
  /** Committed records delivered. */
  readonly records: number;
}

/**
 * Walks the records in `data` (a copy of the ring from the consumer position) and calls
 * `onRecord` with each committed record's payload (a view valid only during the call). Stops at
 * the first BUSY record or at a record that does not fit in `data`.
 */
export function parseRingbufRecords(
  data: Uint8Array,
  onRecord: (record: Uint8Array) => void,
): RingbufWalk {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  let records = 0;
  while (at + RINGBUF_HEADER_SIZE <= data.length) {
    const header = view.getUint32(at, true);
    if (header & RINGBUF_BUSY_BIT) break;
    const length = header & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
    const next = at + roundUp8(RINGBUF_HEADER_SIZE + length);
    if (at + RINGBUF_HEADER_SIZE + length > data.length) break;
    if (!(header & RINGBUF_DISCARD_BIT)) {
      onRecord(data.subarray(at + RINGBUF_HEADER_SIZE, at + RINGBUF_HEADER_SIZE + length));
      records++;
    }
    at = Math.min(next, data.length);
  }
  return { consumed: at, records };
}

/** Committed prefix length of `data` (headers only; payloads are not looked at). */
export function committedPrefix(data: Uint8Array): number {
  return parseRingbufRecords(data, () => {}).consumed;
}

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

/** A mapped ring buffer map. */
export class RingBuffer {
  readonly fd: number;
  readonly #consumerAddr: bigint;
  readonly #producerAddr: bigint;
  readonly #dataAddr: bigint;
  readonly #size: number;
  readonly #page: number;
  #copy: Uint8Array<ArrayBuffer>;
  #closed = false;

  private constructor(fd: number, size: number, page: number, consumer: bigint, producer: bigint) {
    this.fd = fd;
    this.#size = size;
    this.#page = page;
    this.#consumerAddr = consumer;
    this.#producerAddr = producer;
    this.#dataAddr = producer + BigInt(page);
    this.#copy = new Uint8Array(new ArrayBuffer(Math.min(size, 1 << 16)));
  }

  /**
   * Maps the ring buffer map `mapFd` whose `max_entries` (data size, a power-of-two number of
   * pages) is `size`. The map fd stays owned by its object.
   */
  static open(mapFd: number, size: number): RingBuffer {
    const page = pageSize();
    const consumer = mmapShared(mapFd, page, PROT_READ | PROT_WRITE, 0);
    let producer: bigint;
    try {
      producer = mmapShared(mapFd, page + 2 * size, PROT_READ, page);
    } catch (e) {
      munmap(consumer, page);
      throw e;
    }
    return new RingBuffer(mapFd, size, page, consumer, producer);
  }

  /** Delivers every committed record; returns how many. */
  drain(onRecord: (record: Uint8Array) => void): number {
    const consumerPos = loadU64(this.#consumerAddr);
    const producerPos = loadU64(this.#producerAddr);
    const available = Number(producerPos - consumerPos);
    if (available <= 0) return 0;
    this.#copy = growCopyBuffer(this.#copy, available);
    const start = this.#dataAddr + BigInt(Number(consumerPos % BigInt(this.#size)));
    // Pass 1 finds the committed prefix from the headers; pass 2 copies it again so that every
    // payload is read after its header was seen committed (one memcpy may load out of order).
    readAddress(this.#copy, start, available);
    const committed = committedPrefix(this.#copy.subarray(0, available));
    if (committed === 0) return 0;
    readAddress(this.#copy, start, committed);
    const walk = parseRingbufRecords(this.#copy.subarray(0, committed), onRecord);
    storeU64(this.#consumerAddr, consumerPos + BigInt(walk.consumed));
    return walk.records;
  }

  /** Unmaps the ring (idempotent); the map fd is left to its object. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    munmap(this.#consumerAddr, this.#page);
    munmap(this.#producerAddr, this.#page + 2 * this.#size);
  }
}
