/**
 * One entry point for impedance files: picks the reader from the extension and the first lines, or from
 * an explicit format. A registry (format → parser) keeps the set open.
 */
import { extname } from 'node:path';
import { UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { parseAutolabImpedance } from './autolab.js';
import { parseBiologicImpedance } from './biologic-mpr.js';
import { parseBiologicMptImpedance } from './biologic-mpt.js';
import { parseCHInstrumentsImpedance } from './chinstruments.js';
import { parseImpedanceTable, type CsvImpedanceOptions } from './csv.js';
import { parseGamryImpedance } from './gamry.js';
import { parseParstatImpedance } from './parstat.js';
import { parsePowerSuiteImpedance } from './powersuite.js';
import { decodeInstrumentText, splitLines } from './shared.js';
import type { ImpedanceFormat, ImpedanceSpectrum } from './types.js';
import { parseVersaStudioImpedance } from './versastudio.js';
import { parseZahnerImpedance } from './zahner.js';
import { parseZPlotImpedance } from './zplot.js';

type TextParser = (text: string, source: string, options: CsvImpedanceOptions) => ImpedanceSpectrum;

/** Text formats and their parsers. */
export const IMPEDANCE_PARSERS: Partial<Record<ImpedanceFormat, TextParser>> = {
  'biologic-mpt': (t, s) => parseBiologicMptImpedance(t, s),
  'gamry-dta': (t, s) => parseGamryImpedance(t, s),
  zplot: (t, s) => parseZPlotImpedance(t, s),
  autolab: (t, s) => parseAutolabImpedance(t, s),
  parstat: (t, s) => parseParstatImpedance(t, s),
  chinstruments: (t, s) => parseCHInstrumentsImpedance(t, s),
  powersuite: (t, s) => parsePowerSuiteImpedance(t, s),
  versastudio: (t, s) => parseVersaStudioImpedance(t, s),
  zahner: (t, s) => parseZahnerImpedance(t, s),
  csv: (t, s, o) => parseImpedanceTable(t, s, o, 'csv'),
};

/** Recognises the instrument from the file name and its first lines. */
export function detectImpedanceFormat(path: string, text: string): ImpedanceFormat {
  const ext = extname(path).toLowerCase();
  const lines = splitLines(text.slice(0, 20000));
  const first = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (ext === '.mpr') return 'biologic-mpr';
  if (/^EC-Lab ASCII FILE/i.test(first)) return 'biologic-mpt';
  if (/^EXPLAIN$/.test(first) || lines.some((l) => /^ZCURVE\s+TABLE/.test(l))) return 'gamry-dta';
  if (/^ZPLOT/i.test(first) || ext === '.z') return 'zplot';
  if (/^<Application>/.test(first) || ext === '.par') return 'versastudio';
  if (/Z60W/i.test(first) || lines.some((l) => /Freq \(Hz\)/.test(l) && /Z''\(b\)/.test(l))) return 'autolab';
  if (/Frequency \(Hz\)/.test(first) && /Zre \(ohms\)/.test(first)) return 'parstat';
  if (lines.some((l) => l.startsWith('Freq/Hz')) && lines.some((l) => /A\.C\. Impedance/.test(l)))
    return 'chinstruments';
  if (/^Frequency\t\s*Zre\t\s*Zimg$/.test(first)) return 'powersuite';
  if (lines.some((l) => /frequency/i.test(l) && /impedance\s*\//i.test(l) && /phase/i.test(l)))
    return 'zahner';
  return 'csv';
}

export interface ReadImpedanceOptions extends CsvImpedanceOptions {
  /** Force a format instead of detecting it. */
  format?: ImpedanceFormat;
}

/** Reads an impedance spectrum from any supported text format. */
export function parseImpedance(
  text: string,
  source: string,
  options: ReadImpedanceOptions = {},
): ImpedanceSpectrum {
  const format = options.format ?? detectImpedanceFormat(source, text);
  const parser = IMPEDANCE_PARSERS[format];
  if (!parser) {
    throw new UnsupportedFormatError('binary format has no text parser', {
      file: source,
      field: 'format',
      found: format,
      expected: Object.keys(IMPEDANCE_PARSERS).join(', '),
    });
  }
  return parser(text, source, options);
}

/** Reads an impedance file (format detected unless given). */
export function readImpedance(path: string, options: ReadImpedanceOptions = {}): ImpedanceSpectrum {
  const bytes = readFileChecked(path);
  // The binary EC-Lab format is recognised by its magic bytes, whatever the extension.
  const magic = Buffer.from(bytes.subarray(0, 22)).toString('latin1');
  const format =
    options.format ??
    (magic === 'BIO-LOGIC MODULAR FILE' || extname(path).toLowerCase() === '.mpr'
      ? 'biologic-mpr'
      : undefined);
  if (format === 'biologic-mpr') return parseBiologicImpedance(bytes, path);
  const text = decodeInstrumentText(bytes);
  // EC-Lab files go through the shared BioLogic reader (io/biologic), the same one the cycler data use.
  if ((format ?? detectImpedanceFormat(path, text)) === 'biologic-mpt')
    return parseBiologicImpedance(bytes, path);
  return parseImpedance(text, path, options);
}
