/**
 * A BPF object's lifecycle: open `NAME.bpf.o`, load it into the kernel, attach every program by
 * its `SEC()` name, and detach/close everything. No FFI types leak out of this module.
 * @module
 */

import { BpfError, check, checkPointer, libbpf } from "../../ffi/libbpf.ts";
import { withLibbpfLog } from "../../ffi/libbpf_log.ts";
import {
  addressOf,
  bufferCString,
  copyFromNative,
  cString,
  EOPNOTSUPP,
  errno,
  libc,
  readCString,
} from "../../ffi/libc.ts";
import { closeFd, perfEventOpen } from "../../ffi/libc_events.ts";
import { ifNameToIndex } from "../../ffi/libc_net.ts";
import { markLibraryPath, POST_ATTACH_MARK } from "../../ffi/mark.ts";
import { isPerCpuMapType } from "../maps/source.ts";
import { ONLINE_CPUS_PATH, onlineCpus } from "./cpus.ts";
import {
  BPF_PROG_TYPE_PERF_EVENT,
  BPF_PROG_TYPE_XDP,
  BPF_XDP,
  type CustomAttach,
  customAttach,
  describePerfEvent,
  perfEventAttr,
  validInterfaceName,
} from "./custom_sections.ts";
import { elfSymbols } from "./elf.ts";
import { KernelMapSource } from "./map_reader.ts";

/** Options for opening an object. */
export interface OpenOptions {
  /** External BTF for kernels without `/sys/kernel/btf/vmlinux` (`--btf.path`). */
  readonly btfPath?: string;
}

/** A program of a loaded object and how its attachment went. */
export interface ProgramState {
  /** Function name of the program. */
  readonly name: string;
  /** `SEC()` name. */
  readonly section: string;
  /** Kernel program id (0 before load). */
  id: number;
  /** Program tag as 16 lowercase hex digits. */
  tag: string;
  /** Whether a link is in place. */
  attached: boolean;
  /** Why attaching failed, when it did. */
  attachError?: string;
  /** The errno of a failed attach. */
  attachErrno?: number;
}

/** Raised when `bpf_object__load` fails; carries libbpf's messages (verifier log included). */
export class BpfLoadError extends Error {
  /** Builds the message from the failing call and libbpf's reason lines. */
  constructor(readonly failure: BpfError, readonly reason: string, readonly log: string) {
    super(`${failure.message}${reason ? `: verifier: ${reason}` : ""}`);
    this.name = "BpfLoadError";
  }
}

const OPEN_OPTS_SIZE = 80;
const OPEN_OPTS_BTF_CUSTOM_PATH = 48;
const OPEN_OPTS_KERNEL_LOG_BUF = 56;
const OPEN_OPTS_KERNEL_LOG_SIZE = 64;
/** The kernel caps a verifier log at 16 MiB; pages are only touched when a log is written. */
const VERIFIER_LOG_SIZE = 16 << 20;
let verifierLog: Uint8Array<ArrayBuffer> | undefined;
const PROG_INFO_SIZE = 232;
const PROG_INFO_ID = 4;
const PROG_INFO_TAG = 8;
const PROG_INFO_RUN_TIME_NS = 192;
const PROG_INFO_RUN_CNT = 200;

/** Runtime statistics of a program (needs `kernel.bpf_stats_enabled=1` to be non-zero). */
export interface ProgramStats {
  /** Total run time in nanoseconds. */
  readonly runTimeNs: bigint;
  /** Number of runs. */
  readonly runCount: bigint;
}

/** An opened (and later loaded and attached) BPF object. Close it to detach everything. */
export class BpfObject {
  /** Programs in object order. */
  readonly programs: ProgramState[] = [];
  #obj: Deno.PointerObject | null;
  #progs = new Map<string, Deno.PointerObject>();
  #mapPtrs = new Map<string, Deno.PointerObject>();
  #links: Deno.PointerObject[] = [];
  #keepAlive: Uint8Array[] = [];
  #loaded = false;
  /** Programs the exporter attaches itself (custom sections), by name. */
  #custom = new Map<string, CustomAttach>();

  private constructor(
    obj: Deno.PointerObject,
    keepAlive: Uint8Array[],
    readonly path: string,
  ) {
    this.#obj = obj;
    this.#keepAlive = keepAlive;
    const lib = libbpf();
    for (
      let p = lib.bpf_object__next_program(obj, null);
      p;
      p = lib.bpf_object__next_program(obj, p)
    ) {
      const name = readCString(lib.bpf_program__name(p));
      this.#progs.set(name, p);
      this.programs.push({
        name,
        section: readCString(lib.bpf_program__section_name(p)),
        id: 0,
        tag: "",
        attached: false,
      });
    }
    for (let m = lib.bpf_object__next_map(obj, null); m; m = lib.bpf_object__next_map(obj, m)) {
      this.#mapPtrs.set(readCString(lib.bpf_map__name(m)), m);
    }
    this.#prepareCustomSections();
  }

  /**
   * Finds the programs the exporter attaches itself (see `custom_sections.ts`). libbpf 1.1 does
   * not recognise `perf_event/...` and `xdp/IFNAME`, so their program type is set here (else the
   * load fails with "missing BPF prog type"); auto-attach is turned off for all of them.
   */
  #prepareCustomSections(): void {
    const lib = libbpf();
    let markLibrary: string | undefined;
    for (const prog of this.programs) {
      const p = this.#progs.get(prog.name)!;
      if (prog.section.includes(POST_ATTACH_MARK)) markLibrary ??= markLibraryPath();
      const custom = customAttach(prog.section, lib.bpf_program__type(p), markLibrary);
      if (!custom) continue;
      this.#custom.set(prog.name, custom);
      if (custom.kind === "perf_event") {
        lib.bpf_program__set_type(p, BPF_PROG_TYPE_PERF_EVENT);
      } else if (custom.kind === "xdp") {
        lib.bpf_program__set_type(p, BPF_PROG_TYPE_XDP);
        lib.bpf_program__set_expected_attach_type(p, BPF_XDP);
      }
      lib.bpf_program__set_autoattach(p, false);
    }
  }

  /**
   * Sets the initial value of the global `u64` variable `name` (e.g. `const volatile u64
   * kaddr_schedule` in `.rodata`) before load. Its section and offset come from the object's ELF
   * symbol table. Throws when there is no such 8-byte variable.
   */
  setGlobalU64(name: string, value: bigint): void {
    if (this.#loaded) throw new Error(`global ${name}: the object is already loaded`);
    this.#live();
    this.#elfSymbols ??= elfSymbols(Deno.readFileSync(this.path));
    const symbol = this.#elfSymbols.find((s) => s.name === name && s.section !== "");
    if (!symbol) throw new Error(`${this.path} has no global variable ${name}`);
    if (symbol.size !== 8n) {
      throw new Error(`global ${name} in ${this.path} is ${symbol.size} bytes, not a u64`);
    }
    // libbpf names the map of ".rodata" "<object name prefix>.rodata"; of ".rodata.x" ".rodata.x".
    const entry = [...this.#mapPtrs].find(([m]) =>
      m === symbol.section || m.endsWith(symbol.section)
    );
    if (!entry) {
      throw new Error(`global ${name}: no map holds section ${symbol.section} of ${this.path}`);
    }
    const lib = libbpf();
    const map = entry[1];
    const sizeCell = new BigUint64Array(1);
    const initial = lib.bpf_map__initial_value(map, new Uint8Array(sizeCell.buffer));
    const size = Number(sizeCell[0]);
    const offset = Number(symbol.value);
    if (initial === null || offset + 8 > size) {
      throw new Error(
        `global ${name}: offset ${offset} is outside the ${size}-byte initial value of map ${
          entry[0]
        }`,
      );
    }
    const data = copyFromNative(initial, size);
    new DataView(data.buffer).setBigUint64(offset, value, true);
    check(
      `set initial value of ${entry[0]}`,
      lib.bpf_map__set_initial_value(map, data, BigInt(size)),
    );
  }

  /** Opens an ELF object file; throws {@link BpfLoadError} with libbpf's reason on failure. */
  static open(path: string, options: OpenOptions = {}): BpfObject {
    const opts = new Uint8Array(new ArrayBuffer(OPEN_OPTS_SIZE));
    const view = new DataView(opts.buffer);
    view.setBigUint64(0, BigInt(OPEN_OPTS_SIZE), true);
    const keepAlive: Uint8Array[] = [opts];
    const setString = (offset: number, value: string) => {
      const s = cString(value);
      keepAlive.push(s);
      view.setBigUint64(offset, addressOf(s), true);
    };
    if (options.btfPath) setString(OPEN_OPTS_BTF_CUSTOM_PATH, options.btfPath);
    // With log level 0 libbpf asks the kernel for a log only when a load fails, into this buffer.
    verifierLog ??= new Uint8Array(new ArrayBuffer(VERIFIER_LOG_SIZE));
    keepAlive.push(verifierLog);
    view.setBigUint64(OPEN_OPTS_KERNEL_LOG_BUF, addressOf(verifierLog), true);
    view.setBigUint64(OPEN_OPTS_KERNEL_LOG_SIZE, BigInt(VERIFIER_LOG_SIZE), true);
    const pathC = cString(path);
    const outcome = withLibbpfLog(() =>
      checkPointer(`open ${path}`, libbpf().bpf_object__open_file(pathC, opts))
    );
    if (outcome.error !== undefined) throw loadError(outcome.error, outcome.log);
    return new BpfObject(outcome.result!, keepAlive, path);
  }

  /** Facts about every map of the object (sizes are known before load; fds after). */
  maps(): Map<string, { type: number; keySize: number; valueSize: number; maxEntries: number }> {
    const lib = libbpf();
    const out = new Map<
      string,
      { type: number; keySize: number; valueSize: number; maxEntries: number }
    >();
    for (const [name, m] of this.#mapPtrs) {
      out.set(name, {
        type: lib.bpf_map__type(m),
        keySize: lib.bpf_map__key_size(m),
        valueSize: lib.bpf_map__value_size(m),
        maxEntries: lib.bpf_map__max_entries(m),
      });
    }
    return out;
  }

  /** Loads every program and map into the kernel. */
  load(): void {
    const obj = this.#live();
    if (verifierLog) verifierLog[0] = 0;
    const outcome = withLibbpfLog(() => {
      const rc = libbpf().bpf_object__load(obj);
      if (rc < 0) throw new BpfError("bpf_object__load", -rc);
    });
    if (outcome.error !== undefined) throw loadError(outcome.error, outcome.log);
    this.#loaded = true;
    for (const prog of this.programs) {
      const info = this.#programInfo(prog.name);
      if (!info) continue;
      const view = new DataView(info.buffer);
      prog.id = view.getUint32(PROG_INFO_ID, true);
      prog.tag = Array.from(
        info.subarray(PROG_INFO_TAG, PROG_INFO_TAG + 8),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
    }
  }

  /**
   * Attaches every loaded program: through libbpf's auto-attach (by `SEC()` name), or the
   * exporter's own way for custom sections. Failures are recorded on the program state, not
   * thrown.
   */
  attachAll(): ProgramState[] {
    this.#live();
    const lib = libbpf();
    for (const prog of this.programs) {
      const p = this.#progs.get(prog.name)!;
      if (!lib.bpf_program__autoload(p)) continue;
      let links: Deno.PointerObject[];
      try {
        links = attachProgram(prog, p, this.#custom.get(prog.name));
      } catch (e) {
        prog.attached = false;
        prog.attachError = (e as Error).message;
        prog.attachErrno = e instanceof BpfError ? e.errno : undefined;
        continue;
      }
      this.#links.push(...links);
      prog.attached = true;
      prog.attachError = undefined;
      prog.attachErrno = undefined;
    }
    return this.programs;
  }

  /** The loaded map `name`; throws before load or for a map the object does not have. */
  #loadedMap(name: string): Deno.PointerObject {
    if (!this.#loaded) throw new Error(`map ${name}: object is not loaded`);
    const m = this.#mapPtrs.get(name);
    if (!m) throw new Error(`map ${name} not found in object`);
    return m;
  }

  /** The file descriptor of map `name` (after load; owned by the object). */
  mapFd(name: string): number {
    return libbpf().bpf_map__fd(this.#loadedMap(name));
  }

  /** A reader for map `name` (after load). */
  mapSource(name: string): KernelMapSource {
    const m = this.#loadedMap(name);
    const lib = libbpf();
    const type = lib.bpf_map__type(m);
    return new KernelMapSource({
      name,
      type,
      keySize: lib.bpf_map__key_size(m),
      valueSize: lib.bpf_map__value_size(m),
      maxEntries: lib.bpf_map__max_entries(m),
      fd: lib.bpf_map__fd(m),
      cpus: isPerCpuMapType(type) ? possibleCpus() : 1,
    });
  }

  /** Run time and count of a program from the kernel (zero unless bpf stats are enabled). */
  programStats(name: string): ProgramStats | undefined {
    const info = this.#programInfo(name);
    if (!info) return undefined;
    const view = new DataView(info.buffer);
    return {
      runTimeNs: view.getBigUint64(PROG_INFO_RUN_TIME_NS, true),
      runCount: view.getBigUint64(PROG_INFO_RUN_CNT, true),
    };
  }

  #programInfo(name: string): Uint8Array<ArrayBuffer> | undefined {
    const lib = libbpf();
    const fd = lib.bpf_program__fd(this.#progs.get(name)!);
    if (fd < 0) return undefined;
    const info = new Uint8Array(PROG_INFO_SIZE);
    const len = new Uint32Array([PROG_INFO_SIZE]);
    if (lib.bpf_obj_get_info_by_fd(fd, info, len) < 0) return undefined;
    return info;
  }

  #elfSymbols?: ReturnType<typeof elfSymbols>;

  #live(): Deno.PointerObject {
    if (!this.#obj) throw new Error("BPF object is closed");
    return this.#obj;
  }

  /** Detaches every program and closes the object (idempotent). */
  close(): void {
    if (!this.#obj) return;
    const lib = libbpf();
    for (const link of this.#links.splice(0)) lib.bpf_link__destroy(link);
    lib.bpf_object__close(this.#obj);
    this.#obj = null;
    this.#keepAlive = [];
    for (const prog of this.programs) prog.attached = false;
  }

  /** `using` support: closes the object. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Attaches `prog`: libbpf's auto-attach, or the exporter's own attach of a custom section. */
function attachProgram(
  prog: ProgramState,
  p: Deno.PointerObject,
  custom: CustomAttach | undefined,
): Deno.PointerObject[] {
  switch (custom?.kind) {
    case undefined:
      return [attachLink(`attach ${prog.section}`, () => libbpf().bpf_program__attach(p))];
    case "perf_event":
      return attachPerfEvent(prog, p, custom);
    case "xdp":
      return [attachXdp(prog, p, custom.interface)];
    case "post_attach_mark":
      return [attachPostAttachMark(prog, p, custom.retprobe)];
  }
}

/**
 * Runs a pointer-returning libbpf attach call and returns its link. A NULL link throws a
 * {@link BpfError} named `op`, with errno and libbpf's last message.
 */
function attachLink(op: string, call: () => Deno.PointerValue): Deno.PointerObject {
  const outcome = withLibbpfLog(call);
  if (outcome.result) return outcome.result;
  const code = errno() || EOPNOTSUPP;
  const detail = outcome.log.map((l) => l.trim()).filter(Boolean).at(-1);
  const error = new BpfError(op, code);
  error.message += detail ? ` (libbpf: ${detail})` : "";
  throw error;
}

/**
 * `perf_event/...`: opens the event on every online CPU and attaches the program to each. All or
 * nothing: when one CPU fails, the links made so far are destroyed (each closes its event fd).
 */
function attachPerfEvent(
  prog: ProgramState,
  p: Deno.PointerObject,
  custom: Extract<CustomAttach, { kind: "perf_event" }>,
): Deno.PointerObject[] {
  if (!custom.spec) throw new Error(`attach ${prog.section}: ${custom.error}`);
  const what = describePerfEvent(custom.spec);
  const attr = perfEventAttr(custom.spec);
  let cpus: number[];
  try {
    cpus = onlineCpus();
  } catch (e) {
    throw new Error(
      `attach ${prog.section}: online CPUs from ${ONLINE_CPUS_PATH}: ${(e as Error).message}`,
    );
  }
  const lib = libbpf();
  const links: Deno.PointerObject[] = [];
  try {
    for (const cpu of cpus) {
      let fd: number;
      try {
        fd = perfEventOpen(attr, cpu, `perf_event_open(${what}) on CPU ${cpu}`);
      } catch (e) {
        throw new Error(`attach ${prog.section}: ${(e as Error).message}`);
      }
      try {
        links.push(
          attachLink(
            `attach ${prog.section} to its event on CPU ${cpu}`,
            () => lib.bpf_program__attach_perf_event(p, fd),
          ),
        );
      } catch (e) {
        closeFd(fd); // after attachLink read errno
        throw e;
      }
    }
  } catch (e) {
    for (const link of links) lib.bpf_link__destroy(link);
    throw e;
  }
  return links;
}

/** `xdp/IFNAME`: XDP on that interface, through a BPF link (detached when the link goes). */
function attachXdp(prog: ProgramState, p: Deno.PointerObject, name: string): Deno.PointerObject {
  const ifindex = validInterfaceName(name) ? ifNameToIndex(name) : 0;
  if (ifindex === 0) {
    throw new Error(`attach ${prog.section}: no network interface named "${name}"`);
  }
  return attachLink(
    `attach ${prog.section} to interface ${name} (ifindex ${ifindex})`,
    () => libbpf().bpf_program__attach_xdp(p, ifindex),
  );
}

const UPROBE_OPTS_SIZE = 40;
const UPROBE_OPTS_RETPROBE = 24;
const UPROBE_OPTS_FUNC_NAME = 32;
/** `bpf_uprobe_opts.func_name` points here; module-level, so it outlives every attach call. */
const POST_ATTACH_MARK_NAME = cString(POST_ATTACH_MARK);

/**
 * A uprobe on `post_attach_mark` in the exporter's mark library, for this process only (the
 * exporter calls the function from its main thread once every config is attached).
 */
function attachPostAttachMark(
  prog: ProgramState,
  p: Deno.PointerObject,
  retprobe: boolean,
): Deno.PointerObject {
  const library = markLibraryPath();
  if (!library) {
    throw new Error(
      `attach ${prog.section}: the post_attach_mark library is missing ` +
        "(make ffi/mark/libebpf_exporter_mark.so builds it)",
    );
  }
  const opts = new Uint8Array(new ArrayBuffer(UPROBE_OPTS_SIZE));
  const view = new DataView(opts.buffer);
  const binary = cString(library);
  view.setBigUint64(0, BigInt(UPROBE_OPTS_SIZE), true);
  view.setUint8(UPROBE_OPTS_RETPROBE, retprobe ? 1 : 0);
  view.setBigUint64(UPROBE_OPTS_FUNC_NAME, addressOf(POST_ATTACH_MARK_NAME), true);
  const pid = libc().getpid();
  return attachLink(
    `attach ${prog.section} to ${library}:${POST_ATTACH_MARK}`,
    () => libbpf().bpf_program__attach_uprobe_opts(p, pid, binary, 0n, opts),
  );
}

let cpuCount: number | undefined;

/** Number of possible CPUs (the per-CPU value count), from libbpf. */
export function possibleCpus(): number {
  if (cpuCount === undefined) {
    const n = libbpf().libbpf_num_possible_cpus();
    if (n <= 0) throw new BpfError("libbpf_num_possible_cpus", -n);
    cpuCount = n;
  }
  return cpuCount;
}

function loadError(error: unknown, libbpfLog: string[]): Error {
  if (!(error instanceof BpfError)) return error as Error;
  const verifier = verifierLog ? bufferCString(verifierLog) : "";
  return new BpfLoadError(error, verifierReason(verifier), verifier || libbpfLog.join(""));
}

/**
 * The verifier's own complaint: the last line before its closing statistics
 * (`processed N insns ...`), e.g. `R0 invalid mem access 'map_value_or_null'`.
 */
function verifierReason(log: string): string {
  const lines = log.split("\n").map((l) => l.trim()).filter(Boolean);
  const stats = lines.findLastIndex((l) =>
    l.startsWith("processed ") || l.startsWith("verification time")
  );
  const end = stats < 0
    ? lines.length
    : lines.slice(0, stats).findLastIndex((l) => !l.startsWith("processed ")) + 1;
  return (end > 0 ? lines[end - 1] : "").slice(0, 300);
}
