/**
 * The report as one self-contained HTML file: inline CSS and inline SVG, no scripts, no external URLs,
 * so it can be mailed, archived next to the data or opened offline years later and look the same.
 */
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from '../io/fs.js';
import { escapeXml } from './svg/core.js';

export type Cell = string | number | null | undefined;

export interface ReportTable {
  headers: string[];
  rows: Cell[][];
  caption?: string;
}

/** A figure: an SVG string from the figure functions, optionally with a caption. */
export type ReportFigure = string | { svg: string; caption?: string };

export interface ReportSection {
  heading: string;
  /** Paragraphs separated by blank lines; shown as plain text. */
  text?: string;
  figures?: ReportFigure[];
  tables?: ReportTable[];
}

export interface Report {
  title: string;
  /** Line under the title, e.g. the data source and the spincell version. */
  subtitle?: string;
  sections: ReportSection[];
}

const CSS = `
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#fff;margin:0;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:1.7em;margin:0 0 4px}
.subtitle{color:#666;margin:0 0 24px}
h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}
nav ol{padding-left:1.3em;margin:0 0 12px}
figure{margin:16px 0}
figure svg{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:.9em;margin-top:4px}
table{border-collapse:collapse;margin:14px 0;font-size:.88em;font-variant-numeric:tabular-nums}
caption{text-align:left;color:#555;padding-bottom:4px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}
td.text,th.text{text-align:left}
td.missing{color:#aaa;text-align:center}
.table-wrap{overflow-x:auto}
@media print{main{max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}}
`;

/** The figure functions always emit a single <svg> root; anything else is refused rather than inlined. */
function checkSvg(svg: string, where: string): string {
  const s = svg.trim();
  if (!s.startsWith('<svg') || !s.endsWith('</svg>') || /<script|<foreignObject|\shref=|url\(/i.test(s)) {
    throw new DataError('figure is not a self-contained SVG document', {
      field: where,
      found: s.slice(0, 40),
      expected: '<svg …>…</svg> without scripts or links',
    });
  }
  return s;
}

function formatCell(value: Cell): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value)))
    return '<td class="missing">–</td>';
  if (typeof value === 'number') return `<td>${escapeXml(String(value))}</td>`;
  return `<td class="text">${escapeXml(value)}</td>`;
}

function renderTable(table: ReportTable, where: string): string {
  table.rows.forEach((row, i) => {
    if (row.length !== table.headers.length) {
      throw new DataError('table row has a different number of cells than headers', {
        field: `${where} row ${i}`,
        found: row.length,
        expected: table.headers.length,
      });
    }
  });
  const numeric = table.headers.map(
    (_, j) => table.rows.length > 0 && table.rows.every((r) => typeof r[j] !== 'string'),
  );
  const head = table.headers
    .map((h, j) => `<th${numeric[j] ? '' : ' class="text"'} scope="col">${escapeXml(h)}</th>`)
    .join('');
  const body = table.rows.map((r) => `<tr>${r.map(formatCell).join('')}</tr>`).join('\n');
  const caption = table.caption ? `<caption>${escapeXml(table.caption)}</caption>` : '';
  return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeXml(p)}</p>`)
    .join('\n');
}

export function renderReport(report: Report): string {
  const sections = report.sections.map((s, i) => {
    const id = `s${i + 1}`;
    const figures = (s.figures ?? []).map((f, j) => {
      const svg = checkSvg(typeof f === 'string' ? f : f.svg, `${s.heading} figure ${j + 1}`);
      const caption =
        typeof f !== 'string' && f.caption ? `<figcaption>${escapeXml(f.caption)}</figcaption>` : '';
      return `<figure>${svg}${caption}</figure>`;
    });
    const tables = (s.tables ?? []).map((t, j) => renderTable(t, `${s.heading} table ${j + 1}`));
    return [
      `<section id="${id}">`,
      `<h2>${escapeXml(s.heading)}</h2>`,
      s.text ? paragraphs(s.text) : '',
      ...figures,
      ...tables,
      '</section>',
    ]
      .filter((x) => x !== '')
      .join('\n');
  });
  const nav =
    report.sections.length > 1
      ? `<nav><ol>${report.sections.map((s, i) => `<li><a href="#s${i + 1}">${escapeXml(s.heading)}</a></li>`).join('')}</ol></nav>`
      : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(report.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(report.title)}</h1>`,
    report.subtitle ? `<p class="subtitle">${escapeXml(report.subtitle)}</p>` : '',
    nav,
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ]
    .filter((x, i, a) => x !== '' || i === a.length - 1)
    .join('\n');
}

/** Renders and writes the report atomically: readers never see a half-written file. */
export function writeReport(path: string, report: Report): void {
  writeFileAtomic(path, renderReport(report));
}
