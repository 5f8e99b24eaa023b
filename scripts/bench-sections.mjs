// BENCHMARKS.md is a log of dated sections, one per benchmark run; a rerun the same day
// replaces that day's section rather than adding a second copy of it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../tests/web/helpers.mjs';

export const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');

/** Appends `text` (a section starting with its "## …" heading), first removing one with the same heading. */
export function writeSection(text) {
  const heading = text.split('\n')[0];
  let current = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, 'utf8') : '# Benchmarks\n\nMeasured on the machine named in each section; rerun the command to compare.\n';
  const start = current.indexOf(`\n${heading}\n`);
  if (start >= 0) {
    const next = current.indexOf('\n## ', start + heading.length + 1);
    current = current.slice(0, start + 1) + (next < 0 ? '' : current.slice(next + 1));
  }
  writeFileSync(BENCHMARKS, `${current.trimEnd()}\n\n${text}`);
}
