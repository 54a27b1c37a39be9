/**
 * Turns a map key's raw bytes into label values by running each label's decoder chain over its
 * slice of the key (compat.md §3–4).
 * @module
 */

import type { LabelConfig } from "../config/types.ts";
import { DecodeError, type DecoderEnv, type DecodeStep, type KeyReader } from "./decoder.ts";
import { createDecoderStep, createKeyReader } from "./registry.ts";
import { bytesToLabelText } from "./utf8.ts";

interface CompiledLabel {
  readonly offset: number;
  readonly size: number;
  /** The chain's first step, reading the label's bytes straight from the key. */
  readonly read: KeyReader;
  /** The chain's other steps, in order. */
  readonly rest: readonly DecodeStep[];
}

/** A chain without decoders: the label's bytes as text. */
const readBytes: KeyReader = (key, offset, size) =>
  bytesToLabelText(key.subarray(offset, offset + size));

/** Decodes whole keys for one metric. Build once per metric; `decode` is the hot path. */
export class KeyDecoder {
  /** Label names in key order. */
  readonly names: readonly string[];
  /** Where each label starts in the key and how many bytes (size + padding) it spans. */
  readonly spans: readonly { readonly offset: number; readonly bytes: number }[];
  /** Bytes of key the labels cover (Σ size + padding). */
  readonly keySize: number;
  readonly #labels: readonly CompiledLabel[];

  /** Compiles every label's chain; throws on an unknown decoder or a bad decoder config. */
  constructor(labels: readonly LabelConfig[], env: DecoderEnv) {
    let offset = 0;
    this.#labels = labels.map((label) => {
      const [first, ...rest] = label.decoders;
      const compiled = {
        offset,
        size: label.size,
        read: first === undefined ? readBytes : createKeyReader(first, env),
        rest: rest.map((d) => createDecoderStep(d, env)),
      };
      offset += label.size + label.padding;
      return compiled;
    });
    this.keySize = offset;
    this.names = labels.map((l) => l.name);
    this.spans = labels.map((l, i) => ({
      offset: this.#labels[i].offset,
      bytes: l.size + l.padding,
    }));
  }

  /**
   * Label values for `key` in label order, or `null` when a decoder (regexp) drops the series.
   * Throws {@link DecodeError} when a label cannot be decoded.
   */
  decode(key: Uint8Array): string[] | null {
    if (key.length < this.keySize) {
      throw new DecodeError(`key has ${key.length} bytes, labels need ${this.keySize}`);
    }
    const values: string[] = new Array(this.#labels.length);
    for (let i = 0; i < this.#labels.length; i++) {
      const label = this.#labels[i];
      let value = label.read(key, label.offset, label.size);
      const rest = label.rest;
      for (let s = 0; s < rest.length && value !== null; s++) value = rest[s](value);
      if (value === null) return null;
      values[i] = value;
    }
    return values;
  }
}
