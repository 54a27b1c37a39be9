/**
 * A minimal ELF64 reader: section headers, `.symtab` and its string table. Enough to find where a
 * BPF object's global variable lives (`const volatile u64 kaddr_x` -> section `.rodata`, offset 8),
 * so the exporter can set it before load.
 * @module
 */

/** A malformed or unsupported ELF file. */
export class ElfError extends Error {
  /** Wraps `message`. */
  constructor(message: string) {
    super(message);
    this.name = "ElfError";
  }
}

/** One entry of the symbol table. */
export interface ElfSymbol {
  /** Symbol name. */
  readonly name: string;
  /** Name of the section the symbol is defined in ("" for undefined and special sections). */
  readonly section: string;
  /** `st_value`: in a relocatable object (`.bpf.o`), the offset inside its section. */
  readonly value: bigint;
  /** `st_size` in bytes. */
  readonly size: bigint;
  /** `STT_*` (1 = object, 2 = function, 3 = section). */
  readonly type: number;
  /** `STB_*` (0 = local, 1 = global, 2 = weak). */
  readonly bind: number;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const SHT_SYMTAB = 2;
const SHN_LORESERVE = 0xff00;
const SHN_XINDEX = 0xffff;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;

interface SectionHeader {
  name: number;
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** The symbols of an ELF64 file (either byte order), in table order, without the null entry. */
export function elfSymbols(bytes: Uint8Array): ElfSymbol[] {
  if (bytes.length < 64 || ELF_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ElfError("not an ELF file");
  }
  if (bytes[4] !== ELFCLASS64) throw new ElfError("not a 64-bit ELF file");
  if (bytes[5] !== ELFDATA2LSB && bytes[5] !== ELFDATA2MSB) {
    throw new ElfError(`unknown ELF byte order ${bytes[5]}`);
  }
  const le = bytes[5] === ELFDATA2LSB;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  const u64 = (at: number) => view.getBigUint64(at, le);
  const offset = (at: number, what: string) => {
    const v = u64(at);
    if (v > BigInt(bytes.length)) throw new ElfError(`${what} points past the end of the file`);
    return Number(v);
  };

  const shoff = offset(0x28, "section header table");
  const shentsize = u16(0x3a);
  if (shoff === 0) throw new ElfError("no section headers");
  if (shentsize < SECTION_HEADER_SIZE) throw new ElfError(`section header size ${shentsize}`);
  const headerAt = (i: number) => shoff + i * shentsize;
  const readHeader = (i: number): SectionHeader => {
    const at = headerAt(i);
    if (at + SECTION_HEADER_SIZE > bytes.length) {
      throw new ElfError(`section header ${i} is past the end of the file`);
    }
    return {
      name: u32(at),
      type: u32(at + 4),
      offset: offset(at + 24, `section ${i}`),
      size: Number(u64(at + 32)),
      link: u32(at + 40),
      entsize: Number(u64(at + 56)),
    };
  };
  // More than 0xff00 sections: the counts move into section 0 (ELF extended numbering).
  let count = u16(0x3c);
  let shstrndx = u16(0x3e);
  if (count === 0 || shstrndx === SHN_XINDEX) {
    const first = readHeader(0);
    if (count === 0) count = first.size;
    if (shstrndx === SHN_XINDEX) shstrndx = first.link;
  }
  const sections = Array.from({ length: count }, (_, i) => readHeader(i));
  const stringAt = (table: SectionHeader | undefined, at: number): string => {
    if (!table || at >= table.size) return "";
    const start = table.offset + at;
    let end = bytes.indexOf(0, start);
    if (end < 0 || end > table.offset + table.size) end = table.offset + table.size;
    return new TextDecoder().decode(bytes.subarray(start, end));
  };
  const sectionNames = sections.map((s) => stringAt(sections[shstrndx], s.name));

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) throw new ElfError("no symbol table (.symtab); was the object stripped with -s?");
  if (symtab.offset + symtab.size > bytes.length) {
    throw new ElfError("symbol table is past the end of the file");
  }
  const strtab = sections[symtab.link];
  const entsize = symtab.entsize || SYMBOL_SIZE;
  const out: ElfSymbol[] = [];
  for (let at = symtab.offset + entsize; at + SYMBOL_SIZE <= symtab.offset + symtab.size;) {
    const info = bytes[at + 4];
    const shndx = u16(at + 6);
    out.push({
      name: stringAt(strtab, u32(at)),
      section: shndx === 0 || shndx >= SHN_LORESERVE ? "" : sectionNames[shndx] ?? "",
      value: u64(at + 8),
      size: u64(at + 16),
      type: info & 0xf,
      bind: info >> 4,
    });
    at += entsize;
  }
  return out;
}
