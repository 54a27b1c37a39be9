/**
 * `static_map`: text -> the value the YAML maps it to (compat.md §4, "static_map spelling").
 *
 * Keys are compared as source text: input `16` does not match a key written `0x10`.
 * @module
 */

import { type DecoderFactory, inputText } from "./decoder.ts";

/**
 * Factory of the `static_map` decoder. Unknown text gives `unknown:<text>`, or the text itself with
 * `allow_unknown: true`. Without any `static_map` every input gives `empty mapping`, as upstream.
 */
export const staticMapDecoder: DecoderFactory = (config) => {
  const map = config.staticMap;
  if (map === undefined) return () => "empty mapping";
  const allowUnknown = config.allowUnknown === true;
  return (input) => {
    const text = inputText(input);
    const value = map.get(text);
    if (value !== undefined) return value;
    return allowUnknown ? text : `unknown:${text}`;
  };
};
