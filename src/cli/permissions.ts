/**
 * Deno permissions the exporter gives up once it serves: everything it reads from files and the
 * environment is read at start-up (configs, web config and certificates, dumps, OTEL_* variables),
 * so `read` and `env` are revoked; FFI (map reads, kernel files through libc) and the network
 * grants (the listen address, an OTLP endpoint) stay.
 * @module
 */

/** The permissions revoked after start-up. */
const REVOKED_AFTER_STARTUP: readonly Deno.PermissionDescriptor[] = [
  { name: "read" },
  { name: "env" },
];

/** Revokes {@link REVOKED_AFTER_STARTUP}; returns the names of those that had been granted. */
export function revokeStartupPermissions(): string[] {
  const revoked: string[] = [];
  for (const descriptor of REVOKED_AFTER_STARTUP) {
    if (Deno.permissions.querySync(descriptor).state === "denied") continue;
    Deno.permissions.revokeSync(descriptor);
    revoked.push(descriptor.name);
  }
  return revoked;
}

/**
 * Reads an environment variable only when `--allow-env` grants it (no prompt, no throw); unset,
 * empty and ungranted are all undefined.
 */
export function envIfGranted(variable: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  return Deno.env.get(variable) || undefined;
}
