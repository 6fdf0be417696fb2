/**
 * A vitest reporter that prints, once at the end of a run, one line about the reference data: where it
 * was looked for, which parts are missing, and how many tests were skipped (every skip in this suite is
 * a real-data test whose files are absent).
 */
import type { Reporter, TestModule } from 'vitest/node';
import {
  haveReference,
  REFERENCE_DATA,
  REFERENCE_PARTS,
  referenceSummary,
  type ReferencePart,
} from './reference-data.js';

export default class ReferenceSummary implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    let skipped = 0;
    for (const m of modules)
      for (const t of m.children.allTests()) if (t.result().state === 'skipped') skipped++;
    const missing = (Object.keys(REFERENCE_PARTS) as ReferencePart[]).filter((p) => !haveReference(p));
    const line = `${referenceSummary(REFERENCE_DATA, skipped, missing)}\n`;
    // after the default reporter's summary, which it prints once every reporter has finished
    process.once('exit', () => process.stdout.write(line));
  }
}
