/**
 * Worker-thread entry of CsvEncoder: encodes numeric columns as CSV bytes (encodeNumericColumns) and
 * posts them back, so that formatting a series' spectra runs beside their processing.
 */
import { parentPort } from 'node:worker_threads';
import { encodeNumericColumns } from './index.js';

export interface EncodeRequest {
  readonly id: number;
  readonly headers: string[];
  readonly columns: Float64Array[];
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (m: EncodeRequest) => {
    try {
      const bytes = encodeNumericColumns(m.headers, m.columns).slice();
      port.postMessage({ id: m.id, bytes }, [bytes.buffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
