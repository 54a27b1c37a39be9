/**
 * The decoder contract: one step of a label's chain (compat.md §4).
 *
 * The first step of a chain gets the label's raw key bytes (host byte order); later steps get the
 * previous step's text. Each decoder accepts both and converts when it needs the other form.
 * @module
 */

import type { DecoderConfig } from "../config/types.ts";
import type { PciIds } from "../kernel/pci_ids.ts";
import { bytesToLabelText } from "./utf8.ts";

/** What a decoder step receives: raw bytes (first step) or the previous step's text. */
export type DecoderInput = Uint8Array | string;

/**
 * Does a first step's work in place: the text for the `size` bytes of `key` at `offset`, exactly
 * what the step gives for `key.subarray(offset, offset + size)` (same `null`, same errors).
 */
export type KeyReader = (key: Uint8Array, offset: number, size: number) => string | null;

/**
 * A compiled decoder step. Returns the decoded text, or `null` to drop the whole series (only
 * `regexp` does that). Throws {@link DecodeError} when the input cannot be decoded.
 *
 * A step may carry `readKey`, a {@link KeyReader} used instead of it when it is a chain's first
 * step (e.g. `uint`, which spares the hot path a subarray per label).
 */
export type DecodeStep = ((input: DecoderInput) => string | null) & {
  readonly readKey?: KeyReader;
};

/** A decode failure: the key is skipped for this scrape and counted in `decoder_errors_total`. */
export class DecodeError extends Error {
  /** Creates an error whose message says what the decoder expected and what it got. */
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** Kernel symbol lookups needed by `ksym` and `kstack`. */
export interface SymbolResolver {
  /** Exact symbol at `addr`, e.g. `tcp_v4_connect` or `foo\t[module]`; undefined if none. */
  exact(addr: bigint): string | undefined;
  /** Nearest symbol at or below `addr`; undefined if none. */
  nearest(addr: bigint): string | undefined;
}

/** Block device lookup needed by `majorminor`. */
export interface DeviceResolver {
  /** Device name (e.g. `vda`) for a major:minor pair; undefined if unknown. */
  name(major: number, minor: number): string | undefined;
}

/** Network interface lookup needed by `ifname`. */
export interface InterfaceResolver {
  /** Interface name (e.g. `eth0`) for an ifindex; undefined if no interface has it. */
  name(index: number): string | undefined;
}

/** Cgroup lookup needed by `cgroup`. */
export interface CgroupPathResolver {
  /**
   * Full path of the cgroup with this id (its cgroupfs directory inode), e.g.
   * `/sys/fs/cgroup/system.slice/ssh.service`; undefined if unknown.
   */
  path(id: bigint): string | undefined;
  /** Applies pending cgroup creations and removals (called once per scrape). */
  poll?(): void;
  /** Releases watches and descriptors. */
  close?(): void;
}

/** Host lookups decoders may need; tests pass fakes. */
export interface DecoderEnv {
  /** Kernel symbols (kallsyms). */
  readonly symbols: SymbolResolver;
  /** Block devices (/proc/partitions). */
  readonly devices: DeviceResolver;
  /** Network interfaces (by ifindex). */
  readonly interfaces: InterfaceResolver;
  /**
   * The PCI ID database (pci.ids), loaded on first call and memoised; undefined when the database
   * is missing (the pci decoders then print `missing pci.ids db`).
   */
  readonly pciIds: () => PciIds | undefined;
  /**
   * Cgroups by id (cgroupfs). Optional so that envs built before it existed still type-check; the
   * `cgroup` decoder prints `unknown_cgroup_id:<id>` without it.
   */
  readonly cgroups?: CgroupPathResolver;
}

/** Builds a {@link DecodeStep} from its config; throws a plain Error for a bad config. */
export type DecoderFactory = (config: DecoderConfig, env: DecoderEnv) => DecodeStep;

const utf8Encoder = new TextEncoder();

/**
 * The input as text: bytes are read as UTF-8, every byte that is not part of a valid sequence
 * written `\xNN` (as `string` does), so that no input byte is lost or merged into U+FFFD.
 */
export function inputText(input: DecoderInput): string {
  return typeof input === "string" ? input : bytesToLabelText(input);
}

/** The input as bytes: text is encoded as UTF-8. */
export function inputBytes(input: DecoderInput): Uint8Array {
  return typeof input === "string" ? utf8Encoder.encode(input) : input;
}
