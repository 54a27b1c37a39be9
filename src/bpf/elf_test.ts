import { deepEqual, equal, throws } from "#assert";
import { ElfError, elfSymbols } from "./elf.ts";

interface TestSymbol {
  name: string;
  shndx: number;
  value: number;
  size: number;
  info: number;
}

/**
 * A minimal relocatable ELF64: null, .rodata (16 bytes), .symtab, .strtab, .shstrtab, with the
 * section header table at the end.
 */
function buildElf(symbols: TestSymbol[], littleEndian = true): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const strtab = [0];
  const nameAt = symbols.map((s) => {
    const at = strtab.length;
    strtab.push(...enc.encode(s.name), 0);
    return at;
  });
  const shstrtab = [0];
  const sectionNames = [".rodata", ".symtab", ".strtab", ".shstrtab"].map((n) => {
    const at = shstrtab.length;
    shstrtab.push(...enc.encode(n), 0);
    return at;
  });
  const rodataAt = 64;
  const symtabAt = rodataAt + 16;
  const symtabSize = 24 * (symbols.length + 1);
  const strtabAt = symtabAt + symtabSize;
  const shstrtabAt = strtabAt + strtab.length;
  const shoff = Math.ceil((shstrtabAt + shstrtab.length) / 8) * 8;
  const out = new Uint8Array(new ArrayBuffer(shoff + 5 * 64));
  const v = new DataView(out.buffer);
  const le = littleEndian;
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1]);
  v.setUint16(0x10, 1, le); // ET_REL
  v.setUint16(0x12, 247, le); // EM_BPF
  v.setBigUint64(0x28, BigInt(shoff), le);
  v.setUint16(0x34, 64, le);
  v.setUint16(0x3a, 64, le);
  v.setUint16(0x3c, 5, le);
  v.setUint16(0x3e, 4, le);
  symbols.forEach((s, i) => {
    const at = symtabAt + 24 * (i + 1);
    v.setUint32(at, nameAt[i], le);
    out[at + 4] = s.info;
    v.setUint16(at + 6, s.shndx, le);
    v.setBigUint64(at + 8, BigInt(s.value), le);
    v.setBigUint64(at + 16, BigInt(s.size), le);
  });
  out.set(strtab, strtabAt);
  out.set(shstrtab, shstrtabAt);
  const header = (
    i: number,
    name: number,
    type: number,
    offset: number,
    size: number,
    link = 0,
  ) => {
    const at = shoff + 64 * i;
    v.setUint32(at, name, le);
    v.setUint32(at + 4, type, le);
    v.setBigUint64(at + 24, BigInt(offset), le);
    v.setBigUint64(at + 32, BigInt(size), le);
    v.setUint32(at + 40, link, le);
    v.setBigUint64(at + 56, type === 2 ? 24n : 0n, le);
  };
  header(1, sectionNames[0], 1, rodataAt, 16);
  header(2, sectionNames[1], 2, symtabAt, symtabSize, 3);
  header(3, sectionNames[2], 3, strtabAt, strtab.length);
  header(4, sectionNames[3], 3, shstrtabAt, shstrtab.length);
  return out;
}

const SYMBOLS: TestSymbol[] = [
  { name: "kaddr_schedule", shndx: 1, value: 0, size: 8, info: 0x11 },
  { name: "kaddr_vfs_read", shndx: 1, value: 8, size: 8, info: 0x11 },
  { name: "undefined_thing", shndx: 0, value: 0, size: 0, info: 0x10 },
  { name: "absolute", shndx: 0xfff1, value: 5, size: 0, info: 0x01 },
];

for (const littleEndian of [true, false]) {
  Deno.test(`elfSymbols reads names, sections and offsets (${littleEndian ? "LE" : "BE"})`, () => {
    const symbols = elfSymbols(buildElf(SYMBOLS, littleEndian));
    deepEqual(symbols, [
      { name: "kaddr_schedule", section: ".rodata", value: 0n, size: 8n, type: 1, bind: 1 },
      { name: "kaddr_vfs_read", section: ".rodata", value: 8n, size: 8n, type: 1, bind: 1 },
      { name: "undefined_thing", section: "", value: 0n, size: 0n, type: 0, bind: 1 },
      { name: "absolute", section: "", value: 5n, size: 0n, type: 1, bind: 0 },
    ]);
  });
}

Deno.test("elfSymbols works on a view into a larger buffer", () => {
  const elf = buildElf(SYMBOLS);
  const padded = new Uint8Array(elf.length + 7);
  padded.set(elf, 7);
  equal(elfSymbols(padded.subarray(7))[1].name, "kaddr_vfs_read");
});

Deno.test("elfSymbols rejects what it cannot read, with a reason", () => {
  throws(
    () => elfSymbols(new TextEncoder().encode("not an object file at all, sorry, no")),
    ElfError,
  );
  const elf32 = buildElf(SYMBOLS);
  elf32[4] = 1;
  throws(() => elfSymbols(elf32), /not a 64-bit ELF file/);
  const noSymtab = buildElf(SYMBOLS);
  new DataView(noSymtab.buffer).setUint32(noSymtab.length - 3 * 64 + 4, 1, true); // .symtab -> PROGBITS
  throws(() => elfSymbols(noSymtab), /no symbol table/);
  const truncated = buildElf(SYMBOLS).subarray(0, 100);
  throws(() => elfSymbols(truncated), /past the end of the file/);
});
