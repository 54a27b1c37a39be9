/**
 * `cgroup`: decimal cgroup id -> the cgroup's full cgroupfs path (compat.md §4).
 * @module
 */

import { DecodeError, type DecoderFactory, inputText } from "./decoder.ts";
import { parseGoUint } from "./errno.ts";

/**
 * Factory of the `cgroup` decoder. Takes the decimal text a `uint` step made of a u64 cgroup id and
 * returns the path from `env.cgroups`, e.g. `/sys/fs/cgroup/system.slice/ssh.service`; an id no
 * cgroup has gives `unknown_cgroup_id:<id>`. Input that is not a decimal u64 throws
 * {@link DecodeError}.
 */
export const cgroupDecoder: DecoderFactory = (_config, env) => (input) => {
  const text = inputText(input);
  const id = parseGoUint(text);
  if (id === undefined) {
    throw new DecodeError(
      /^[0-9]+$/.test(text)
        ? `cgroup: id ${text} does not fit in 64 bits`
        : `cgroup: need a decimal cgroup id (put uint before cgroup), got ${JSON.stringify(text)}`,
    );
  }
  return env.cgroups?.path(id) ?? `unknown_cgroup_id:${id}`;
};
