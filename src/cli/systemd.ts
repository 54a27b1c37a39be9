/**
 * systemd integration: readiness notification (`Type=notify`) and socket activation
 * (`--web.listen-address=fd://N`).
 * @module
 */

import { sendUnixDatagram } from "../../ffi/libc_socket.ts";
import { envIfGranted } from "./permissions.ts";

let socketPath: string | undefined | null = null;

/** `$NOTIFY_SOCKET`, read once (environment permissions are revoked after start-up). */
function notifySocket(): string | undefined {
  if (socketPath === null) socketPath = envIfGranted("NOTIFY_SOCKET");
  return socketPath;
}

/**
 * Tells systemd the service is ready (`READY=1`) when `$NOTIFY_SOCKET` is set and readable
 * (grant it with `--allow-env=NOTIFY_SOCKET`). Returns whether a notification was sent.
 */
export function notifyReady(status: string): boolean {
  const socket = notifySocket();
  if (!socket) return false;
  sendUnixDatagram(socket, `READY=1\nSTATUS=${status}\nMAINPID=${Deno.pid}\n`);
  return true;
}

/** Tells systemd the service is stopping, when it is listening. */
export function notifyStopping(): void {
  const socket = notifySocket();
  if (socket) sendUnixDatagram(socket, "STOPPING=1\n");
}
