/**
 * The shared table and output helpers of the commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fixed,
  parsePositiveOrKeyword,
  requireFileOut,
  significant,
  spectrumBlocks,
  writtenOutputs,
} from '../../src/cli/common.js';
import { UsageError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-cli-common-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fixed', () => {
  it('gives a fixed count of decimals, null for missing or non-finite values, and no negative zero', () => {
    expect(fixed(5.699e-5, 4)).toBe('0.0001');
    expect(fixed(1800, 1)).toBe('1800.0');
    expect(fixed(-0.00001, 4)).toBe('0.0000');
    expect(fixed(-0.4, 0)).toBe('0');
    expect(fixed(-0.16, 1)).toBe('-0.2');
    expect(fixed(null, 2)).toBeNull();
    expect(fixed(undefined, 2)).toBeNull();
    expect(fixed(NaN, 2)).toBeNull();
    expect(fixed(Infinity, 2)).toBeNull();
  });
});

describe('spectrumBlocks', () => {
  it('shows identity, R² and other first-line columns once per spectrum', () => {
    const rows = [
      [0, 10, 0.5, 'dense', 245, 0.99999123, 'at-bound'],
      [0, 10, 0.5, 'mossy', 253, 0.99999123, 'at-bound'],
      [1, null, 0.6, 'dense', 245.1, null, ''],
    ];
    const blocks = spectrumBlocks(rows, [
      { col: 0, once: 'id' },
      { col: 1, once: 'id' },
      { col: 2, once: 'value' },
      3,
      4,
      { col: 5, once: 'r2' },
      { col: 6, once: 'value' },
    ]);
    expect(blocks).toEqual([
      ['0', '10', 0.5, 'dense', 245, '0.99999', 'at-bound'],
      ['', '', '', 'mossy', 253, '', ''],
      ['1', '', 0.6, 'dense', 245.1, '', ''],
    ]);
  });
});

describe('output helpers', () => {
  it('lists only the outputs asked for', () => {
    expect(writtenOutputs({})).toEqual({});
    expect(writtenOutputs({ out: 'a.csv' })).toEqual({ out: 'a.csv' });
    expect(writtenOutputs({ out: 'a.csv', svg: 'b.svg' })).toEqual({ out: 'a.csv', svg: 'b.svg' });
  });

  it('refuses an --out that is an existing folder, naming the flag', () => {
    expect(() => requireFileOut(undefined, 'x', 'a.csv')).not.toThrow();
    expect(() => requireFileOut(join(dir, 'new.csv'), 'x', 'a.csv')).not.toThrow();
    expect(() => requireFileOut(dir, 'the table is written to a file, not a folder', 'fits.csv')).toThrow(
      UsageError,
    );
    expect(() => requireFileOut(dir, 'the table is written to a file, not a folder', 'fits.csv')).toThrow(
      /--out: the table is written to a file, not a folder/,
    );
  });
});

describe('parsePositiveOrKeyword', () => {
  it('takes a positive number or one of the words, case-insensitively', () => {
    expect(parsePositiveOrKeyword('--lambda', '1e-3', ['gcv', 'lcurve'] as const)).toBe(1e-3);
    expect(parsePositiveOrKeyword('--lambda', 'GCV', ['gcv', 'lcurve'] as const)).toBe('gcv');
    expect(parsePositiveOrKeyword('--width-cap', 'auto', ['auto'] as const, 'ppm')).toBe('auto');
  });

  it('names the option and every accepted form in a usage error', () => {
    for (const bad of ['foo', '-1', '0', '', 'Infinity'])
      expect(() => parsePositiveOrKeyword('--lambda', bad, ['gcv', 'lcurve'] as const)).toThrow(UsageError);
    expect(() => parsePositiveOrKeyword('--lambda', 'foo', ['gcv', 'lcurve'] as const)).toThrow(
      "--lambda: not a positive number or a known word; found foo; expected a number > 0, 'gcv' or 'lcurve'",
    );
    expect(() => parsePositiveOrKeyword('--width-cap', '-2', ['auto'] as const, 'ppm')).toThrow(
      "expected a number > 0 ppm or 'auto'",
    );
  });
});

describe('significant', () => {
  it('keeps the same count of significant digits at every scale', () => {
    expect(significant(0.0086766, 5)).toBe('0.0086766');
    expect(significant(232.4974, 5)).toBe('232.50');
    expect(significant(1.9127e-4, 2)).toBe('1.9e-4');
    expect(significant(2.5e7, 3)).toBe('2.50e+7');
    expect(significant(0, 3)).toBe('0.00');
    expect(significant(null, 3)).toBeNull();
    expect(significant(NaN, 3)).toBeNull();
  });
});
