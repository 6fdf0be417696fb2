/**
 * Scribner ZPlot `.z` files. With metadata the data start after the `End Comments` line; files without
 * metadata have a `Freq(Hz)` header line instead. Columns: frequency, AC amplitude, DC bias, time, Z′, Z″,
 * … separated by tabs or ", ".
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { decodeInstrumentText, makeSpectrum, readFixedColumns, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseZPlotImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  let start = -1;
  lines.forEach((l, i) => {
    if (l.includes('End Comments')) start = i + 1;
  });
  if (start < 0) {
    const head = lines.findIndex((l) => l.includes('Freq(Hz)'));
    if (head >= 0) start = head + 1;
  }
  if (start < 0) {
    throw new CorruptFileError('data block not found', {
      file: source,
      found: 'neither "End Comments" nor a "Freq(Hz)" header',
      expected: 'a ZPlot .z file',
    });
  }
  const columns = {
    freqHz: { index: 0, name: 'frequency' },
    timeS: { index: 3, name: 'time' },
    zReOhm: { index: 4, name: "Z'" },
    zImOhm: { index: 5, name: "Z''" },
  };
  return makeSpectrum(readFixedColumns(lines, start, /\t|, /, columns, source), source, 'zplot');
}

export function readZPlotImpedance(path: string): ImpedanceSpectrum {
  return parseZPlotImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
