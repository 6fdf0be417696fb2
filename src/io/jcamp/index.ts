/**
 * NMR spectra in JCAMP-DX (XYDATA or NTUPLES; AFFN or the compressed ASDF forms SQZ/DIF/DUP), decoded by
 * cheminfo's jcampconverter and checked here: point counts against NPOINTS / VAR_DIM, finite values, a
 * usable ppm axis.
 *
 * Axis: X in PPM is used as is. X in HZ becomes ppm by dividing by .OBSERVE FREQUENCY (MHz) — Hz relative to
 * the spectrometer reference over MHz is ppm — and, for Bruker exports carrying $OFFSET (ppm of the first
 * point), re-anchored so the first point sits at $OFFSET. X in Hz without an observe frequency cannot be
 * placed on a ppm scale and is refused.
 */
import { convert } from 'jcampconverter';
import {
  CorruptFileError,
  ParameterError,
  SpincellError,
  UnsupportedFormatError,
} from '../../core/errors.js';
import type { Spectrum } from '../../core/types.js';
import { readFileChecked } from '../fs.js';

export interface JcampSpectrum extends Spectrum {
  readonly title: string;
  /** Nucleus from .OBSERVE NUCLEUS (e.g. "7Li"), when given. */
  readonly nucleus?: string;
  /** How the data were stored. */
  readonly form: 'XYDATA' | 'NTUPLES';
  /** False when the file holds only the real part (im is then zeros). */
  readonly hasImaginary: boolean;
}

type Raw = {
  data: Record<string, number[]>;
  xUnits?: string;
  yUnits?: string;
  nbPoints?: number;
  observeFrequency?: number;
  page?: string;
};

function infoValue(info: Record<string, unknown>, key: string): unknown {
  return info[key];
}

function toArray(values: number[] | undefined, file: string, field: string): Float64Array {
  if (!Array.isArray(values) || values.length === 0) {
    throw new CorruptFileError('no data points decoded', {
      file,
      field,
      found: 0,
      expected: 'at least one point',
    });
  }
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new CorruptFileError('data point is not a number', {
        file,
        field: `${field}[${i}]`,
        found: String(values[i]),
        expected: 'a finite number',
      });
    }
  }
  return out;
}

function nucleusLabel(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const label = value.replace(/[^A-Za-z0-9]/g, '');
  return label === '' ? undefined : label;
}

/** Parses the text (or bytes) of an NMR JCAMP-DX file. `file` names the source in errors. */
export function parseJcampSpectrum(content: string | Uint8Array, file: string): JcampSpectrum {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('latin1');
  if (!/##\s*(XYDATA|DATA\s*TABLE|NTUPLES)\s*=/i.test(text)) {
    throw new CorruptFileError('no spectrum data in JCAMP-DX file', {
      file,
      field: 'XYDATA',
      found: 'no ##XYDATA= or ##NTUPLES= block',
      expected: 'an NMR spectrum',
    });
  }
  let entry;
  try {
    entry = convert(text, { keepRecordsRegExp: /.*/ }).flatten.find((e) => e.spectra.length > 0);
  } catch (error) {
    if (error instanceof SpincellError) throw error;
    throw new CorruptFileError('JCAMP-DX file could not be decoded', {
      file,
      found: error instanceof Error ? error.message : String(error),
      expected: 'valid JCAMP-DX 4.24/5.x',
      cause: error,
    });
  }
  if (entry === undefined) {
    throw new CorruptFileError('no spectrum decoded from JCAMP-DX file', {
      file,
      field: 'XYDATA',
      expected: 'an XYDATA or NTUPLES block with data',
    });
  }
  const dataType = String(entry.dataType ?? infoValue(entry.info, 'DATATYPE') ?? '').toUpperCase();
  if (!dataType.includes('NMR')) {
    throw new UnsupportedFormatError('not an NMR spectrum', {
      file,
      field: 'DATA TYPE',
      found: dataType || 'missing',
      expected: 'NMR SPECTRUM',
    });
  }
  if (dataType.includes('FID')) {
    throw new UnsupportedFormatError('time-domain JCAMP-DX data are not read', {
      file,
      field: 'DATA TYPE',
      found: dataType,
      expected: 'NMR SPECTRUM',
    });
  }
  const spectra = entry.spectra as Raw[];
  const form: 'XYDATA' | 'NTUPLES' = entry.ntuples && Array.isArray(entry.ntuples) ? 'NTUPLES' : 'XYDATA';
  const isImag = (s: Raw) => /IMAG/i.test(s.yUnits ?? '');
  const realPart = spectra.find((s) => !isImag(s)) ?? spectra[0];
  const imagPart = spectra.find((s) => s !== realPart && isImag(s));

  const units = (realPart.xUnits ?? '').toUpperCase();
  if (units.includes('HZ')) {
    throw new ParameterError('X axis in Hz without an observe frequency', {
      file,
      field: '.OBSERVE FREQUENCY',
      found: 'missing',
      expected: 'spectrometer frequency in MHz',
    });
  }
  if (!units.includes('PPM')) {
    throw new UnsupportedFormatError('X axis units not understood', {
      file,
      field: 'XUNITS',
      found: realPart.xUnits ?? 'missing',
      expected: 'PPM or HZ',
    });
  }
  const observe = Number(infoValue(entry.info, '.OBSERVEFREQUENCY') ?? realPart.observeFrequency);
  if (!(Number.isFinite(observe) && observe > 0)) {
    throw new ParameterError('observe frequency missing or invalid', {
      file,
      field: '.OBSERVE FREQUENCY',
      found: String(infoValue(entry.info, '.OBSERVEFREQUENCY')),
      expected: 'MHz > 0',
    });
  }

  let ppm: Float64Array = toArray(realPart.data.x, file, 'X');
  let re: Float64Array = toArray(realPart.data.y, file, 'Y');
  if (ppm.length !== re.length || (realPart.nbPoints !== undefined && realPart.nbPoints !== re.length)) {
    throw new CorruptFileError('decoded point count does not match the declared count', {
      file,
      field: form === 'NTUPLES' ? 'VAR_DIM' : 'NPOINTS',
      found: re.length,
      expected: realPart.nbPoints ?? ppm.length,
    });
  }
  let im: Float64Array = new Float64Array(re.length);
  if (imagPart) {
    im = toArray(imagPart.data.y, file, 'imaginary Y');
    if (im.length !== re.length || (imagPart.nbPoints !== undefined && imagPart.nbPoints !== im.length)) {
      throw new CorruptFileError('imaginary part has a different point count', {
        file,
        field: 'VAR_DIM',
        found: im.length,
        expected: re.length,
      });
    }
  }
  // Spectrum convention: ppm descending with index, as displayed.
  if (ppm.length > 1 && ppm[0] < ppm[ppm.length - 1]) {
    ppm = ppm.slice().reverse();
    re = re.slice().reverse();
    im = im.slice().reverse();
  }
  const nucleus = nucleusLabel(infoValue(entry.info, '.OBSERVENUCLEUS'));
  return {
    re,
    im,
    ppm,
    sfMHz: observe,
    title: entry.title ?? '',
    ...(nucleus ? { nucleus } : {}),
    form,
    hasImaginary: imagPart !== undefined,
  };
}

/** Reads an NMR JCAMP-DX file (.jdx, .dx). */
export function readJcampSpectrum(path: string): JcampSpectrum {
  return parseJcampSpectrum(readFileChecked(path), path);
}

/** True when the file name looks like JCAMP-DX. */
export function isJcampPath(path: string): boolean {
  return /\.(jdx|dx|jcamp|jcm)$/i.test(path);
}

/** Where a JCAMP-DX spectrum's acquisition time came from. */
export type JcampTimeSource = 'jcamp LONGDATE' | 'jcamp DATE/TIME';

/** What a JCAMP-DX file says about its acquisition before the data (cheap: the data are not decoded). */
export interface JcampHeader {
  readonly title: string;
  readonly nucleus?: string;
  readonly observeMHz?: number;
  /** Acquisition time, epoch ms, from ##LONGDATE or ##DATE + ##TIME. */
  readonly acquiredMs?: number;
  readonly timeSource?: JcampTimeSource;
  /** True when the stamp carried no zone and was read as UTC. */
  readonly utcAssumed?: boolean;
  /** Bruker ##$NS (or ##.AVERAGES), when given. */
  readonly scans?: number;
  /** Bruker ##$RG, when given. */
  readonly receiverGain?: number;
}

/** Labelled records before the first data block, keys normalised as JCAMP-DX does (upper case, no blanks). */
function headerRecords(text: string): Map<string, string> {
  const records = new Map<string, string>();
  const re = /^##([^=]*)=(.*)$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const key = m[1].replace(/[\s_/-]/g, '').toUpperCase();
    if (key === 'XYDATA' || key === 'NTUPLES' || key === 'DATATABLE' || key === 'PEAKTABLE') break;
    if (!records.has(key)) records.set(key, m[2].replace(/\$\$.*$/, '').trim());
  }
  return records;
}

/**
 * JCAMP-DX 5.01 ##LONGDATE "YYYY/MM/DD HH:MM:SS[.SSS] [±UUUU]" (ISO forms with '-' and 'T' accepted);
 * 4.24 ##DATE "YY/MM/DD" with ##TIME "HH:MM:SS". No zone: read as UTC (flagged).
 */
export function parseJcampDate(
  longDate: string | undefined,
  date: string | undefined,
  time: string | undefined,
): { ms: number; source: JcampTimeSource; utcAssumed: boolean } | undefined {
  const build = (y: number, mo: string, d: string, clock: string, zone: string | undefined) => {
    const [hh, mm, ss] = clock.split(':');
    const iso = `${String(y).padStart(4, '0')}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}T${hh.padStart(2, '0')}:${mm}:${ss ?? '00'}`;
    const z = zone === undefined ? 'Z' : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    const ms = Date.parse(iso + (z === 'Z' || z === 'UTC' || z === 'GMT' ? 'Z' : z));
    return Number.isFinite(ms) ? ms : undefined;
  };
  const year = (y: string) => (y.length <= 2 ? (Number(y) < 70 ? 2000 : 1900) + Number(y) : Number(y));
  if (longDate) {
    const m =
      /^(\d{2,4})[/-](\d{1,2})[/-](\d{1,2})[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(
        longDate.trim(),
      );
    if (m) {
      const ms = build(year(m[1]), m[2], m[3], m[4], m[5]?.toUpperCase());
      if (ms !== undefined) return { ms, source: 'jcamp LONGDATE', utcAssumed: m[5] === undefined };
    }
  }
  if (date && time) {
    const d = /^(\d{2,4})\/(\d{1,2})\/(\d{1,2})$/.exec(date.trim());
    const t = /^(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(time.trim());
    if (d && t) {
      const ms = build(year(d[1]), d[2], d[3], t[1], undefined);
      if (ms !== undefined) return { ms, source: 'jcamp DATE/TIME', utcAssumed: true };
    }
  }
  return undefined;
}

function positiveNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text.trim());
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The header of a JCAMP-DX file: title, nucleus, observe frequency, acquisition time, NS and RG. */
export function parseJcampHeader(content: string | Uint8Array): JcampHeader {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('latin1');
  const r = headerRecords(text);
  const when = parseJcampDate(r.get('LONGDATE'), r.get('DATE'), r.get('TIME'));
  const nucleus = nucleusLabel(r.get('.OBSERVENUCLEUS'));
  const observeMHz = positiveNumber(r.get('.OBSERVEFREQUENCY'));
  const scans = positiveNumber(r.get('$NS') ?? r.get('.AVERAGES'));
  const receiverGain = positiveNumber(r.get('$RG'));
  return {
    title: r.get('TITLE') ?? '',
    ...(nucleus ? { nucleus } : {}),
    ...(observeMHz !== undefined ? { observeMHz } : {}),
    ...(when ? { acquiredMs: when.ms, timeSource: when.source, utcAssumed: when.utcAssumed } : {}),
    ...(scans !== undefined ? { scans } : {}),
    ...(receiverGain !== undefined ? { receiverGain } : {}),
  };
}

/** Reads the header of a JCAMP-DX file. */
export function readJcampHeader(path: string): JcampHeader {
  return parseJcampHeader(readFileChecked(path));
}
