/**
 * Worker-thread entry for fitSeriesParallel: fits one contiguous chunk of a series (warm-starting within
 * the chunk) and posts the rows back. Only JSON-able model specs and plain arrays cross the thread
 * boundary; lineshapes come from this thread's own registry (the built-in shapes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSeriesFitter, type SeriesFitOptions, type SeriesFitRow } from './batch.js';
import type { ModelSpec } from './model.js';

export interface WorkerRequest {
  spec: ModelSpec;
  options: Pick<SeriesFitOptions, 'warmStart' | 'tolerance' | 'maxEvaluations'>;
  spectra: {
    ppm: Float64Array;
    re: Float64Array;
    meta?: { startMs?: number; endMs?: number; source?: string; experimentNumber?: number };
  }[];
}

export interface WorkerReply {
  rows?: SeriesFitRow[];
  error?: string;
}

if (parentPort) {
  const req = workerData as WorkerRequest;
  let reply: WorkerReply;
  try {
    const fitter = createSeriesFitter(req.spec, req.options);
    reply = { rows: req.spectra.map((s) => fitter.fit(s)) };
  } catch (e) {
    reply = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  parentPort.postMessage(reply);
}
