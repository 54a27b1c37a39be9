/**
 * Turns a map key's raw bytes into label values by running each label's decoder chain over its
 * slice of the key (compat.md §3–4).
 * @module
 */

import type { LabelConfig } from "../config/types.ts";
import { DecodeError, type DecoderEnv, type DecodeStep } from "./decoder.ts";
import { createDecoderStep } from "./registry.ts";
import { uintTextAt } from "./uint.ts";
import { bytesToLabelText } from "./utf8.ts";

interface CompiledLabel {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly steps: readonly DecodeStep[];
  /** The chain starts with `uint`: its text is read straight from the key (steps[0] skipped). */
  readonly uintFirst: boolean;
}

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
      const compiled = {
        name: label.name,
        offset,
        size: label.size,
        steps: label.decoders.map((d) => createDecoderStep(d, env)),
        uintFirst: label.decoders[0]?.name === "uint",
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
      let value: Uint8Array | string;
      let first = 0;
      if (label.uintFirst) {
        value = uintTextAt(key, label.offset, label.size);
        first = 1;
      } else {
        value = key.subarray(label.offset, label.offset + label.size);
      }
      const steps = label.steps;
      for (let s = first; s < steps.length; s++) {
        const out = steps[s](value);
        if (out === null) return null;
        value = out;
      }
      values[i] = typeof value === "string" ? value : bytesToLabelText(value);
    }
    return values;
  }
}
