/**
 * Reading a file's bytes front to back with every read bounds-checked: a read past the end
 * is the caller's `fail` (one clear message), never a RangeError from Buffer and never a
 * position that moves backwards (which would read the same bytes again forever).
 */
export type Fail = (why: string) => never;

export class ByteCursor {
  private at = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly fail: Fail,
    /** What the bytes are, for messages: "pickle", "zip directory". */
    private readonly what: string,
  ) {}

  get position(): number {
    return this.at;
  }

  get atEnd(): boolean {
    return this.at >= this.bytes.length;
  }

  /** The next `count` bytes (a view, not a copy). */
  take(count: number): Buffer {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.bytes.length - this.at) {
      this.fail(`${this.what}: ${count} bytes wanted at byte ${this.at}, but only ${this.bytes.length - this.at} are left`);
    }
    const out = this.bytes.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }

  skip(count: number): void {
    this.take(count);
  }

  u8(): number {
    return this.take(1)[0];
  }

  u16(): number {
    return this.take(2).readUInt16LE(0);
  }

  u32(): number {
    return this.take(4).readUInt32LE(0);
  }

  i32(): number {
    return this.take(4).readInt32LE(0);
  }

  u64(): number {
    return Number(this.take(8).readBigUInt64LE(0));
  }

  f64be(): number {
    return this.take(8).readDoubleBE(0);
  }

  /** Bytes up to the next newline (which is consumed), at most `longest` of them. */
  line(longest: number): Buffer {
    const end = this.bytes.indexOf(10, this.at);
    if (end < 0 || end - this.at > longest) this.fail(`${this.what}: a line at byte ${this.at} has no end within ${longest} bytes`);
    const out = this.bytes.subarray(this.at, end);
    this.at = end + 1;
    return out;
  }
}
