/** The project store (SQLite): library API shared by the CLI and the web server. */
export * from './schema.js';
export * from './store.js';
export * from './runs.js';
export * from './query.js';
export * from './drawing.js';
export * from './spectrum-data.js';
export * from './map-image.js';
export * from './impedance-data.js';
