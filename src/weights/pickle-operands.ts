/**
 * A pass over a pickle that checks every opcode's operand lies inside it, without running
 * it. libtorch's own unpickler allocates a string or byte operand at its declared length
 * before reading it, so one flipped length byte in a checkpoint cost it 2 GB and 5 s
 * before it failed; a pickle that passes here declares nothing longer than itself.
 */
import { ByteCursor, type Fail } from './byte-cursor';

/** Operands of a fixed width, by opcode. */
const FIXED = new Map<number, number>([
  [0x80, 1], [0x4b, 1], [0x4d, 2], [0x4a, 4], [0x71, 1], [0x72, 4], [0x68, 1], [0x6a, 4], [0x47, 8], [0x95, 8], [0x82, 1], [0x83, 2], [0x84, 4],
]);
/** Operands whose length comes first, by opcode: the length's width in bytes. */
const COUNTED = new Map<number, 1 | 4 | 8>([
  [0x8c, 1], [0x55, 1], [0x43, 1], [0x8a, 1], [0x58, 4], [0x54, 4], [0x42, 4], [0x8b, 4], [0x8d, 8], [0x8e, 8], [0x96, 8],
]);
/** Operands that are lines (ended by a newline), by opcode: how many. */
const LINES = new Map<number, number>([
  [0x49, 1], [0x4c, 1], [0x53, 1], [0x56, 1], [0x46, 1], [0x70, 1], [0x67, 1], [0x50, 1], [0x63, 2], [0x69, 2],
]);
/** Opcodes without operands (protocols 0–5). */
const BARE = new Set([...'()012NRabdelostu}]Q'].map((c) => c.charCodeAt(0)).concat(
  [0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98],
));
const STOP = 0x2e;
const LONGEST_LINE = 4096;

export function checkPickleOperands(bytes: Buffer, fail: Fail): void {
  const input = new ByteCursor(bytes, fail, 'pickle');
  for (;;) {
    if (input.atEnd) fail('pickle: ended without STOP');
    const op = input.u8();
    if (op === STOP) return;
    const fixed = FIXED.get(op);
    const counted = COUNTED.get(op);
    const lines = LINES.get(op);
    if (fixed !== undefined) input.skip(fixed);
    else if (counted === 1) input.skip(input.u8());
    else if (counted === 4) input.skip(input.u32());
    else if (counted === 8) input.skip(input.u64());
    else if (lines !== undefined) for (let n = 0; n < lines; n++) input.line(LONGEST_LINE);
    else if (!BARE.has(op)) fail(`pickle: unknown opcode 0x${op.toString(16)} at byte ${input.position - 1}`);
  }
}
