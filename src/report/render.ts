/** One entry point for every report format. */
import path from 'path';

import { writeFileAtomic } from '../util/atomic-write';
import type { ReportData } from './report-data';
import { renderCsv } from './csv';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';

export const REPORT_FORMATS = ['md', 'html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(data: ReportData, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(data);
    case 'html':
      return renderHtml(data);
    case 'csv':
      return renderCsv(data);
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
  }
}

/** Written whole or not at all: a reader never sees half a report. */
export function writeReportFile(text: string, file: string): string {
  writeFileAtomic(file, text);
  return path.resolve(file);
}
