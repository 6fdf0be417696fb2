/** JSON-schema pieces the workbench's routes share (app.ts, echem.ts). */
export const id = { type: 'integer', minimum: 1, maximum: 2 ** 31 } as const;
export const runParams = {
  type: 'object',
  required: ['run'],
  additionalProperties: false,
  properties: { run: id },
} as const;
