/**
 * The event loop of an exporter: every perf buffer and ring buffer of its configs in one epoll
 * set. The wait runs on one of Deno's blocking threads (a `nonblocking` FFI call, so no JS ever
 * runs on a foreign thread and the event loop stays free); records are then consumed
 * synchronously on the main thread, between scrapes.
 * @module
 */

import { Epoll } from "../../ffi/libc_events.ts";
import type { MapSource } from "../maps/source.ts";
import * as log from "../log.ts";
import { PerfBuffer } from "./perf_buffer.ts";
import { RingBuffer } from "./ringbuf.ts";

/** Where the records of one event map go. */
export interface EventSink {
  /** Config name, for messages. */
  readonly config: string;
  /** The map's kind. */
  readonly kind: "perf_event_array" | "ringbuf";
  /** The map (its `fd` must be set: kernel maps only). */
  readonly source: MapSource;
  /** Called once before each batch of records. */
  begin?(): void;
  /** One record; the view is only valid during the call. */
  record(raw: Uint8Array): void;
  /** Samples the kernel dropped (perf buffers only). */
  lost?(count: number): void;
}

/** Longest wait before the loop looks again, in milliseconds. */
const WAIT_MS = 1000;

interface Stream {
  readonly sink: EventSink;
  drain(): number;
  close(): void;
}

/** The perf and ring buffers of a set of sinks, and the loop that consumes them. */
export class EventStreams {
  readonly #streams: Stream[];
  readonly #epoll: Epoll | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  #closed = false;

  private constructor(streams: Stream[], epoll: Epoll | undefined) {
    this.#streams = streams;
    this.#epoll = epoll;
  }

  /** Number of maps consumed. */
  get size(): number {
    return this.#streams.length;
  }

  /**
   * Opens every sink's buffers (perf events on each online CPU, the ring buffer mapping) and puts
   * their fds in one epoll set. Throws naming the config and map; nothing stays open then.
   */
  static open(sinks: readonly EventSink[]): EventStreams {
    const streams: Stream[] = [];
    if (sinks.length === 0) return new EventStreams(streams, undefined);
    const epoll = new Epoll();
    const result = new EventStreams(streams, epoll);
    try {
      for (const sink of sinks) {
        const fd = sink.source.fd;
        if (fd === undefined) {
          throw new Error(`map ${sink.source.name} has no kernel file descriptor`);
        }
        try {
          if (sink.kind === "perf_event_array") {
            const buffer = PerfBuffer.open(fd);
            let samples = 0;
            const handler = {
              sample: (raw: Uint8Array) => {
                samples++;
                sink.record(raw);
              },
              lost: (count: number) => sink.lost?.(count),
            };
            streams.push({
              sink,
              drain: () => {
                samples = 0;
                buffer.drain(handler);
                return samples;
              },
              close: () => buffer.close(),
            });
            for (const perfFd of buffer.fds) epoll.add(perfFd);
          } else {
            const ring = RingBuffer.open(fd, sink.source.maxEntries);
            const record = (raw: Uint8Array) => sink.record(raw);
            streams.push({ sink, drain: () => ring.drain(record), close: () => ring.close() });
            epoll.add(fd);
          }
        } catch (e) {
          throw new Error(
            `config ${sink.config}: ${sink.kind} ${sink.source.name}: ${(e as Error).message}`,
          );
        }
      }
    } catch (e) {
      result.close();
      throw e;
    }
    return result;
  }

  /** Consumes everything pending now, synchronously; returns the records (and samples) read. */
  drain(): number {
    let total = 0;
    for (const stream of this.#streams) {
      try {
        stream.sink.begin?.();
        total += stream.drain();
      } catch (e) {
        log.warn(
          `config ${stream.sink.config}: reading ${stream.sink.source.name}: ${
            (e as Error).message
          }`,
        );
      }
    }
    return total;
  }

  /** Starts the loop: wait (off-thread) until a buffer has data or the timeout, then drain. */
  start(): void {
    if (this.#running || !this.#epoll || this.#closed) return;
    const epoll = this.#epoll;
    this.#running = (async () => {
      while (!this.#stopping) {
        const ready = await epoll.wait(WAIT_MS);
        if (this.#stopping) break;
        if (ready !== 0) epoll.clearWake();
        this.drain();
      }
    })();
  }

  /** Stops the loop (at once: it wakes the pending wait), then drains what is left. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#running) {
      this.#epoll?.wake();
      await this.#running;
      this.#running = undefined;
    }
    if (!this.#closed) this.drain();
  }

  /** Releases every buffer and the epoll set (after {@link stop}; idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.splice(0)) stream.close();
    this.#epoll?.close();
  }
}
