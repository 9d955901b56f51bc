/**
 * Holm's step-down correction (Holm 1979) of p-values from several tests made at once:
 * it keeps the chance of calling any true tie a difference at α, like Bonferroni, but
 * rejects more. The adjusted values are R's `p.adjust(p, method = "holm")`.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
