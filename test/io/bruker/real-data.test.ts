/**
 * The Bruker reader on real TopSpin / XWIN-NMR data nobody here wrote (../shared/reference/data/bruker).
 * Expected values come from the files' own text (acqus, procs), from TopSpin's stored YMAX_p/YMIN_p, and
 * from an independent numpy decoding of the same bytes (test/fixtures/bruker/make_reference.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  listSeries,
  readAcqus,
  readBrukerParams,
  readExperiment,
  readProcessed,
  readSeriesFid,
} from '../../../src/io/bruker/index.js';
import { BRUKER_DATA, HAVE_BRUKER_DATA, NUMPY_REFERENCE, type NumpySummary } from './refdata.js';

function checkAgainst(values: Float64Array, ref: NumpySummary): void {
  expect(values.length).toBe(ref.n);
  expect(Array.from(values.subarray(0, ref.first.length))).toEqual(ref.first);
  expect(Array.from(values.subarray(values.length - ref.last.length))).toEqual(ref.last);
  let sum = 0;
  let sumAbs = 0;
  let arg = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sumAbs += Math.abs(values[i]);
    if (Math.abs(values[i]) > Math.abs(values[arg])) arg = i;
  }
  expect(sum).toBeCloseTo(ref.sum, 3);
  expect(sumAbs).toBeCloseTo(ref.sumAbs, 3);
  expect(arg).toBe(ref.argmaxAbs);
}

describe.skipIf(!HAVE_BRUKER_DATA)('Bruker reader on real data', () => {
  const coffee20 = `${BRUKER_DATA}/coffee-1h/20`;
  const coffee21 = `${BRUKER_DATA}/coffee-1h/21`;
  const aspirin = `${BRUKER_DATA}/aspirin-1h/1`;

  it('parses acqus scalars, arrays, strings and comments (coffee-1h/20)', () => {
    const p = readBrukerParams(`${coffee20}/acqus`);
    expect(p.integer('TD')).toBe(65536);
    expect(p.number('SFO1')).toBe(400.13188235);
    expect(p.number('SW_h')).toBe(8223.68421052631);
    expect(p.number('GRPDLY')).toBe(76);
    expect(p.string('NUC1')).toBe('1H');
    expect(p.string('PULPROG')).toBe('zg30');
    // a string continued on the next line
    expect(p.string('PROBHD')).toBe('5 mm PABBO BB-1H/D Z-GRD Z104450/0119\n');
    expect(p.numberArray('D')).toHaveLength(64);
    expect(p.arrayNumber('D', 1)).toBe(1);
    expect(p.arrayNumber('D', 8)).toBe(0.02);
    expect(p.arrayNumber('CNST', 2)).toBe(145);
    expect(p.numberArray('PL')[9]).toBe(59.58089);
    expect(p.integer('DATE')).toBe(1338634091);
    expect(p.comments[0]).toBe('2012-06-02 05:48:12.453 -0500  Administrator@TOPSPIN');
    expect(p.comments[1]).toContain('/20/acqus');
    expect(p.header.get('JCAMPDX')).toBe('5.0');
    expect(p.header.get('NPOINTS')).toBe('12'); // trailing $$ comment removed
    const p21 = readBrukerParams(`${coffee21}/acqus`);
    expect(p21.arrayNumber('D', 12)).toBe(2e-5); // written 2e-005
  });

  it('builds AcquisitionMeta from acqus (three data sets)', () => {
    const m = readExperiment(coffee20).meta;
    expect(m).toMatchObject({
      nucleus: '1H',
      sfo1MHz: 400.13188235,
      bf1MHz: 400.13,
      o1Hz: 1882.35,
      swHz: 8223.68421052631,
      complexPoints: 32768,
      groupDelayPoints: 76,
      scans: 8,
      dummyScans: 4,
      recycleDelayS: 1,
      receiverGain: 90.5,
      pulseProgram: 'zg30',
    });
    expect(m.acquisitionTimeS).toBeCloseTo(32768 / 8223.68421052631, 12);
    // $DATE is the end; start = end − (NS+DS)(D1+AQ)
    expect(m.endMs).toBe(1338634091000);
    expect(m.endMs - m.startMs).toBeCloseTo(12 * (1 + 32768 / 8223.68421052631) * 1000, 2); // epoch-ms doubles resolve ~1e-4 ms

    const m21 = readExperiment(coffee21).meta;
    expect(m21).toMatchObject({
      scans: 4,
      dummyScans: 2,
      pulseProgram: 'zgpsd0',
      receiverGain: 4,
      groupDelayPoints: 76,
    });
    expect(m21.endMs).toBe(1338634173000);

    const a = readAcqus(aspirin);
    expect(a.byteOrder).toBe('big');
    expect(a.dataType).toBe('int32');
    expect(a.groupDelaySource).toBe('DSP table');
    expect(a.base.complexPoints).toBe(8192);
    expect(a.base.nucleus).toBe('1H');
    expect(a.base.recycleDelayS).toBe(1.2);
  });

  it('takes the old-firmware group delay from the DECIM/DSPFVS table (aspirin: DSPFVS 10, DECIM 24)', () => {
    const p = readBrukerParams(`${aspirin}/acqus`);
    expect(p.integer('DSPFVS')).toBe(10);
    expect(p.integer('DECIM')).toBe(24);
    expect(p.has('GRPDLY')).toBe(false);
    // Westler & Abildgaard's table lists 61.021 for DSPFVS 10 / DECIM 24 (= 2929/48 un-rounded)
    const gd = readExperiment(aspirin).meta.groupDelayPoints;
    expect(gd).toBeCloseTo(61.021, 3);
    expect(gd).toBe(2929 / 48);
  });

  for (const name of ['coffee-1h/20', 'coffee-1h/21', 'aspirin-1h/1']) {
    it(`decodes ${name}/fid identically to numpy`, () => {
      const ref = NUMPY_REFERENCE[name];
      const fid = readExperiment(`${BRUKER_DATA}/${name}`);
      checkAgainst(fid.re, ref.re);
      checkAgainst(fid.im, ref.im);
    });
  }

  it('lists the coffee-1h folder as a series of two experiments in numeric order', () => {
    const entries = listSeries(`${BRUKER_DATA}/coffee-1h`);
    expect(entries.map((e) => e.meta.experimentNumber)).toEqual([20, 21]);
    expect(entries.map((e) => e.format)).toEqual(['bruker series', 'bruker series']);
    expect(entries[0].meta.endMs).toBeLessThan(entries[1].meta.startMs);
    const fid = readSeriesFid(entries[1]);
    checkAgainst(fid.re, NUMPY_REFERENCE['coffee-1h/21'].re);
  });

  for (const name of ['coffee-1h/20', 'coffee-1h/21']) {
    it(`reads ${name}/pdata/1 with NC_proc scaling and the procs ppm axis`, () => {
      const ref = NUMPY_REFERENCE[name];
      const spec = readProcessed(`${BRUKER_DATA}/${name}`);
      checkAgainst(spec.re, ref.r1!);
      checkAgainst(spec.im, ref.i1!);
      expect(spec.hasImaginary).toBe(true);
      // TopSpin records the stored extremes in procs: max(1r) = YMAX_p·2^NC_proc, min = YMIN_p·2^NC_proc
      const procsText = readFileSync(`${BRUKER_DATA}/${name}/pdata/1/procs`, 'latin1');
      const ymax = Number(/##\$YMAX_p= (\S+)/.exec(procsText)![1]);
      const ymin = Number(/##\$YMIN_p= (\S+)/.exec(procsText)![1]);
      const nc = Number(/##\$NC_proc= (\S+)/.exec(procsText)![1]);
      let max = -Infinity;
      let min = Infinity;
      let arg = 0;
      for (let i = 0; i < spec.re.length; i++) {
        if (spec.re[i] > max) {
          max = spec.re[i];
          arg = i;
        }
        min = Math.min(min, spec.re[i]);
      }
      expect(max).toBe(ymax * 2 ** nc);
      expect(min).toBe(ymin * 2 ** nc);
      expect(arg).toBe(ref.r1argmax);
      // ppm of point i = OFFSET − i·SW_p/SF/SI, to 1e-9 ppm, for every point
      const { offsetPpm, swHz, sfMHz, sizePoints } = spec.procs;
      expect(offsetPpm).toBe(14.98061);
      expect(swHz).toBe(8223.68421052632);
      expect(sfMHz).toBe(400.13);
      expect(sizePoints).toBe(32768);
      let worst = 0;
      for (let i = 0; i < sizePoints; i++)
        worst = Math.max(worst, Math.abs(spec.ppm[i] - (offsetPpm - (i * swHz) / sfMHz / sizePoints)));
      expect(worst).toBeLessThan(1e-9);
      expect(Math.abs(spec.ppm[arg] - ref.ppmAtMax!)).toBeLessThan(1e-9);
      expect(Math.abs(spec.ppm[sizePoints - 1] - ref.ppmLast!)).toBeLessThan(1e-9);
      // the main peak of these methanol-containing samples: the CH3 line near 3.3 ppm
      expect(spec.ppm[arg]).toBeGreaterThan(3.2);
      expect(spec.ppm[arg]).toBeLessThan(3.5);
      expect(spec.meta?.nucleus).toBe('1H');
    });
  }

  it('exposes the procs parameters for re-processing', () => {
    const p20 = readProcessed(coffee20).procs;
    expect(p20).toMatchObject({
      windowCode: 1,
      lineBroadeningHz: 0,
      gaussianFraction: 0,
      phc0Deg: 205.6915,
      phc1Deg: 0,
      ncProc: -8,
      tdEffective: 65536,
    });
    const pa = readBrukerParams(`${aspirin}/pdata/1/procs`);
    expect(pa.number('PHC1')).toBe(9.2);
    expect(pa.number('LB')).toBe(0.3);
  });

  it('reports the missing 1r of aspirin-1h as a typed error', () => {
    expect(() => readProcessed(aspirin)).toThrow(/1r/);
  });
});
