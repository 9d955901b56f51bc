/**
 * One row per trial, for spreadsheets and plotting tools, with the table each trial belongs to.
 * Trials halving stopped follow the full-length ones: `stopped_at_epoch` says where (empty: trained to the end).
 * `correct` of `total` validation images, and the 95% Wilson interval, sit beside each accuracy.
 */
import type { ReportData, ReportTable } from './report-data';

function field(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(data: ReportData): string {
  // Every trial is in one table: as its cell, or left out for a newer trial of the same cell and setting.
  const tableOf = new Map<string, { table: ReportTable; shown: boolean }>();
  for (const table of data.tables) {
    for (const cell of table.cells) tableOf.set(cell.key, { table, shown: true });
    for (const key of table.superseded) tableOf.set(key, { table, shown: false });
  }
  const head = ['dataset', 'model', 'optimizer', 'activation', 'learning_rate', 'batch_size', 'first_kernel', 'weight_decay', 'freeze_epochs', 'weights_sha256',
    'size', 'channels', 'epochs', 'seed', 'accuracy', 'correct', 'total', 'interval_low', 'interval_high', 'diverged', 'seconds', 'device', 'libtorch', 'trainer_version', 'fingerprint',
    'table_condition', 'shown_in_table', 'table_versions', 'stopped_at_epoch', 'key'];
  const rows = [...data.trials, ...data.stopped].map((t) => {
    const s = t.settings;
    const place = tableOf.get(t.key);
    return [t.dataset, t.model, t.optimizer, t.activation, s.learningRate, s.batchSize, s.firstKernel, s.weightDecay, s.freezeEpochs, s.weightsSha256,
      s.size, s.channels, s.epochs, s.seed, t.accuracy, t.correct, t.total, t.interval[0], t.interval[1], t.diverged ? 1 : 0, t.seconds.toFixed(2), t.device, t.libtorch, s.trainerVersion, t.fingerprint,
      place?.table.condition, place?.shown ? 1 : 0, place?.table.mixedVersions, t.stoppedAt, t.key]
      .map(field)
      .join(',');
  });
  return [head.join(','), ...rows].join('\n') + '\n';
}
