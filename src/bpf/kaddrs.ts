/**
 * `kaddrs: [sym, ...]`: kernel symbol addresses from `/proc/kallsyms`, written into each object's
 * `const volatile u64 kaddr_<sym>` global before load, so BPF code can compare pointers with
 * (or read from) kernel symbols without hard-coding addresses.
 * @module
 */

/** Why a `kaddrs` symbol could not be resolved. */
export class KaddrError extends Error {
  /** Wraps `message`. */
  constructor(readonly symbol: string, message: string) {
    super(message);
    this.name = "KaddrError";
  }
}

/** The global variable that receives `symbol`'s address. */
export function kaddrVariable(symbol: string): string {
  return `kaddr_${symbol}`;
}

/**
 * The address of each of `symbols` in a `/proc/kallsyms` text. The first line naming a symbol
 * wins (a module symbol's name is the text before its tab). A missing symbol or a zero address
 * (addresses read as 0 without CAP_SYSLOG, or under `kernel.kptr_restrict`) throws
 * {@link KaddrError} naming the symbol.
 */
export function resolveKaddrs(kallsyms: string, symbols: readonly string[]): Map<string, bigint> {
  const wanted = new Set(symbols);
  const found = new Map<string, bigint>();
  let lineStart = 0;
  while (lineStart < kallsyms.length && found.size < wanted.size) {
    let lineEnd = kallsyms.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = kallsyms.length;
    // "<hex address> <type> <name>[\t[module]]"
    const line = kallsyms.slice(lineStart, lineEnd);
    lineStart = lineEnd + 1;
    const addressEnd = line.indexOf(" ");
    const nameStart = line.indexOf(" ", addressEnd + 1) + 1;
    if (addressEnd <= 0 || nameStart <= 0) continue;
    const tab = line.indexOf("\t", nameStart);
    const name = line.slice(nameStart, tab < 0 ? line.length : tab);
    if (!wanted.has(name) || found.has(name)) continue;
    const hex = line.slice(0, addressEnd);
    if (/^[0-9a-fA-F]+$/.test(hex)) found.set(name, BigInt(`0x${hex}`));
  }
  for (const symbol of symbols) {
    const address = found.get(symbol);
    if (address === undefined) {
      throw new KaddrError(symbol, `kaddrs: kernel symbol "${symbol}" is not in /proc/kallsyms`);
    }
    if (address === 0n) {
      throw new KaddrError(
        symbol,
        `kaddrs: /proc/kallsyms shows address 0 for "${symbol}": reading kernel addresses needs ` +
          "CAP_SYSLOG, and kernel.kptr_restrict may hide them",
      );
    }
  }
  return found;
}

/** What {@link applyKaddrs} needs of an opened object. */
export interface GlobalsWriter {
  /** Sets a `u64` global's initial value before load; throws when there is no such variable. */
  setGlobalU64(name: string, value: bigint): void;
}

/**
 * Resolves `symbols` in the kallsyms text `readKallsyms` returns and writes each address into
 * the object's `kaddr_<symbol>` global. Throws with a message naming the symbol.
 */
export function applyKaddrs(
  object: GlobalsWriter,
  symbols: readonly string[],
  readKallsyms: () => string,
): void {
  if (symbols.length === 0) return;
  const addresses = resolveKaddrs(readKallsyms(), symbols);
  for (const symbol of symbols) {
    const variable = kaddrVariable(symbol);
    try {
      object.setGlobalU64(variable, addresses.get(symbol)!);
    } catch (e) {
      throw new KaddrError(
        symbol,
        `kaddrs: cannot set "const volatile u64 ${variable}" for symbol "${symbol}": ${
          (e as Error).message
        }`,
      );
    }
  }
}
