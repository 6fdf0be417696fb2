/**
 * What the workbench's plot pages share (the electrochemistry and impedance views): the run they show,
 * their uPlot plots by key and the boxes those are drawn in, a failure shown on the page as one alert line,
 * and disposal when the page is left.
 */
import uPlot from 'uplot';
import { el } from './run';

export abstract class PlotView {
  protected disposed = false;
  /** Plots by key (the browser tests read them through window.__wb). */
  readonly plots = new Map<string, uPlot>();
  protected readonly boxes = new Map<string, HTMLElement>();
  protected width = 800;

  constructor(
    protected readonly root: HTMLElement,
    protected readonly runId: number,
  ) {}

  protected fail(e: unknown): void {
    const p = el('p', 'error', e instanceof Error ? e.message : String(e));
    p.setAttribute('role', 'alert');
    this.root.append(p);
  }

  /** Runs an asynchronous step; its failure is shown on the page. */
  protected attempt(job: Promise<void>): void {
    void job.catch((e: unknown) => this.fail(e));
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.plots.values()) p.destroy();
    this.plots.clear();
  }

  /** (Re)draws plot `key` in its box, as wide as the view. */
  protected plot(
    key: string,
    opts: Omit<uPlot.Options, 'width' | 'height'>,
    data: uPlot.AlignedData,
    heightPx = 260,
  ): void {
    this.plots.get(key)?.destroy();
    const box = this.boxes.get(key) as HTMLElement;
    box.replaceChildren();
    this.plots.set(key, new uPlot({ width: this.width, height: heightPx, ...opts }, data, box));
  }
}
