/**
 * Fires the exporter's post_attach_mark once every config is attached, so programs with a uprobe
 * on it (`SEC("uprobe//proc/self/exe:post_attach_mark")`) run exactly once at start-up.
 * @module
 */

import { callPostAttachMark, markLibraryAllowed, markLibraryPath } from "../../ffi/mark.ts";
import * as log from "../log.ts";
import { isPostAttachMarkSection } from "./custom_sections.ts";
import type { LoadedConfig } from "./loaded_config.ts";

/**
 * Calls post_attach_mark() through FFI. When the mark library cannot be opened (not built, or not
 * in `--allow-ffi`), this warns if an attached program waits for the mark, and says nothing
 * otherwise: configs without such a program do not need the library.
 */
export function firePostAttachMark(loaded: readonly LoadedConfig[]): void {
  const library = markLibraryPath();
  const waiting = loaded.flatMap((l) =>
    l.programs
      .filter((p) => p.attached && isPostAttachMarkSection(p.section, library))
      .map((p) => `${l.config.name}/${p.name}`)
  );
  const skip = (why: string) => {
    if (waiting.length > 0) log.warn(`post_attach_mark not called (${why}): ${waiting.join(", ")}`);
    else log.debug(`post_attach_mark not called: ${why}`);
  };
  if (!library) return skip("ffi/mark/libebpf_exporter_mark.so is not built");
  if (!markLibraryAllowed()) return skip(`--allow-ffi does not name ${library}`);
  try {
    callPostAttachMark();
    log.debug(`called post_attach_mark in ${library}`);
  } catch (e) {
    skip((e as Error).message);
  }
}
