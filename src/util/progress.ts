/**
 * Progress for long work on stderr: a redrawn bar with ETA on a TTY, a plain line every
 * 10% otherwise (logs stay readable), nothing when quiet.
 */
export interface Progress {
  tick(done: number): void;
  finish(): void;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function progressBar(label: string, total: number, options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || total <= 0) return { tick: () => undefined, finish: () => undefined };
  const started = Date.now();
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let lastDraw = 0;
  let current = 0;
  const render = (done: number) => {
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Infinity;
    const fraction = done / total;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${(fraction * 100).toFixed(0)}% ETA ${formatSeconds(eta)} `,
      );
    } else {
      stream.write(`${label}: ${done}/${total} (${(fraction * 100).toFixed(0)}%), ETA ${formatSeconds(eta)}\n`);
    }
  };
  return {
    tick(done: number) {
      current = done;
      const now = Date.now();
      const decile = Math.floor((done / total) * 10);
      if (tty ? now - lastDraw > 100 || done === total : decile > lastDecile) {
        lastDraw = now;
        lastDecile = decile;
        render(done);
      }
    },
    finish() {
      if (tty) {
        render(current);
        stream.write('\n');
      }
    },
  };
}
