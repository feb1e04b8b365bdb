/**
 * Reads a file line by line without ever holding it whole: a snapshot of a
 * million jobs is larger than a comfortable string. Splitting happens on the
 * byte 0x0a, which never occurs inside a multi-byte UTF-8 sequence.
 */
import type { StoreFs } from './store-fs.js';

const CHUNK = 1 << 20;

export interface Line {
  /**
   * The line's bytes, without its newline. A view into the reader's buffer,
   * valid only during the callback: copy what must outlive it.
   */
  bytes: Buffer;
  /** 1-based. */
  number: number;
  /** Byte offset of the line's first byte. */
  start: number;
  /** False only for a final line cut short of its newline. */
  terminated: boolean;
}

/** Calls `onLine` for each line, the final unterminated one included (if not empty). */
export async function readLines(
  sfs: StoreFs,
  path: string,
  onLine: (line: Line) => void,
): Promise<{ bytes: number; lines: number }> {
  const fd = await sfs.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer | null = null;
    let position = 0;
    let number = 0;
    for (;;) {
      const n = await sfs.read(fd, buffer, 0, CHUNK, position);
      if (n === 0) break;
      position += n;
      let chunk = buffer.subarray(0, n);
      let chunkStart = position - n;
      if (carry !== null) {
        chunkStart -= carry.length;
        chunk = Buffer.concat([carry, chunk]);
        carry = null;
      }
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl === -1) break;
        onLine({
          bytes: chunk.subarray(start, nl),
          number: ++number,
          start: chunkStart + start,
          terminated: true,
        });
        start = nl + 1;
      }
      // Copy: `buffer` is reused by the next read.
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    }
    if (carry !== null) {
      onLine({
        bytes: carry,
        number: ++number,
        start: position - carry.length,
        terminated: false,
      });
    }
    return { bytes: position, lines: number };
  } finally {
    await sfs.close(fd);
  }
}
