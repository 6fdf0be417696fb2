/** JSON-schema pieces the workbench's routes share (app.ts, echem.ts, impedance.ts). */
export const id = { type: 'integer', minimum: 1, maximum: 2 ** 31 } as const;
export const runParams = {
  type: 'object',
  required: ['run'],
  additionalProperties: false,
  properties: { run: id },
} as const;

/** A run and one numbered item of it (a spectrum, a sweep: 0, 1, …) as path parameters. */
export function runItemParams<K extends string>(item: K) {
  return {
    type: 'object',
    required: ['run', item],
    additionalProperties: false,
    properties: { run: id, [item]: { type: 'integer', minimum: 0, maximum: 2 ** 31 } },
  } as const;
}
