/**
 * Papers are cited by authors and year, never by a file number ("seed 003", "000 eq 2"), and every
 * author–year cited in the README, the help texts or the sources is listed in the README's References.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Command } from 'commander';

const repo = resolve(__dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|py|md)$/.test(n) ? [p] : [];
  });
}

const FILE_NUMBER = /seeds? ?\/?0[0-4]\d*|\b00[0-4](’s|'s| eq| Table| §| Fig)/i;
const CITATION =
  /\b(Zheng|Liu|Thienenkamp|Wichmann) et al\.(?:’s|'s)? \(?(\d{4})\)?|SIMBA D3\.2 \(?(\d{4})\)?/g;

async function helpTexts(): Promise<string> {
  const texts: string[] = [];
  const walk = (c: Command) => {
    texts.push(c.helpInformation());
    c.commands.forEach(walk);
  };
  walk(await buildProgram());
  return texts.join('\n');
}

describe('citations', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const sources = [...files(join(repo, 'src')), join(repo, 'README.md')];

  it('no paper is cited by its file number in the README, the sources or the help', async () => {
    const offenders = sources
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => [f, i + 1, line] as const),
      )
      .filter(([, , line]) => FILE_NUMBER.test(line))
      .map(([f, n, line]) => `${relative(repo, f)}:${n}: ${line.trim()}`);
    expect(offenders).toEqual([]);
    expect(await helpTexts()).not.toMatch(FILE_NUMBER);
  });

  it('the README lists each cited paper with authors, title, journal and year', async () => {
    const references = readme.slice(readme.indexOf('\n## References'));
    expect(references.length).toBeGreaterThan(100);
    const cited = new Set<string>();
    for (const text of [...sources.map((f) => readFileSync(f, 'utf8')), await helpTexts()])
      for (const m of text.matchAll(CITATION))
        cited.add(m[1] ? `${m[1]} et al. ${m[2]}` : `SIMBA D3.2 ${m[3]}`);
    expect(cited.size).toBeGreaterThanOrEqual(4);
    for (const c of cited) expect(references, c).toContain(`**${c}**`);
    // the published titles and journals, as the papers give them
    expect(references).toContain(
      '"Solid-State Nuclear Magnetic Resonance Studies of\n  Lithium and Sodium Metal Batteries", *J. Phys. Chem. C* **128**, 18659–18677 (2024)',
    );
    expect(references).toMatch(
      /"Experimental\s+correlation of anionic mass transport and lithium dendrite growth in solid-state polymer-based lithium\s+metal batteries", \*Cell Rep\. Phys\. Sci\.\* \(2024\)/,
    );
    expect(references).toMatch(
      /"Origins of lithium inventory reversibility with an alloying functional layer in\s+anode-free lithium metal batteries", \*Nat\. Commun\.\* \(2025\)/,
    );
  });
});
