/** One row per trial, for spreadsheets and plotting tools. */
import type { ReportData } from './collect';

function field(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(data: ReportData): string {
  const head = ['dataset', 'model', 'optimizer', 'activation', 'learning_rate', 'batch_size', 'first_kernel', 'size', 'channels', 'epochs', 'seed', 'accuracy', 'diverged', 'seconds', 'device', 'libtorch', 'key'];
  const rows = data.trials.map((t) =>
    [t.dataset, t.model, t.optimizer, t.activation, t.settings.learningRate, t.settings.batchSize, t.settings.firstKernel, t.settings.size, t.settings.channels, t.settings.epochs, t.settings.seed, t.accuracy, t.diverged ? 1 : 0, t.seconds.toFixed(2), t.device, t.libtorch, t.key]
      .map(field)
      .join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}
