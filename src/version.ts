/** The exporter's version and source revision, reported by `--version` and `build_info`. */
export const VERSION = {
  /** Release version. */
  version: "0.1.0",
  /** Source revision; release builds replace it. */
  revision: "unknown",
} as const;
