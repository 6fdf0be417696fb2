/**
 * The project store's schema as an ordered list of forward migrations. The database's `PRAGMA
 * user_version` is the number of migrations applied; opening a store applies the missing ones, each in
 * the same transaction as the version bump, so a store is always at exactly one version. To change the
 * schema, append a migration (never edit a released one) and add its version to the migration test.
 */

export interface Migration {
  /** The version the store has after this migration (1, 2, …: its position in the list). */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const V1 = `
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE cells (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  chemistry TEXT,
  electrodes TEXT,
  electrolyte TEXT,
  area_cm2 REAL,
  replicate_group TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (campaign_id, name)
);
CREATE INDEX cells_group ON cells(replicate_group);
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  cell_id INTEGER REFERENCES cells(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  manifest_path TEXT NOT NULL,
  paths_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX experiments_key ON experiments(coalesce(cell_id, 0), manifest_path);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  manifest_hash TEXT NOT NULL,
  inputs_hash TEXT NOT NULL,
  manifest_json TEXT NOT NULL,
  spincell_version TEXT NOT NULL,
  provenance_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
  error TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  timings_json TEXT NOT NULL,
  output_dir TEXT
);
CREATE INDEX runs_cache ON runs(experiment_id, manifest_hash, inputs_hash, spincell_version);
CREATE TABLE inputs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run_id, path)
);
CREATE TABLE spectra (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  spectrum INTEGER NOT NULL,
  experiment_number INTEGER,
  row_index INTEGER,
  source TEXT NOT NULL,
  start_iso TEXT NOT NULL,
  mid_iso TEXT NOT NULL,
  end_iso TEXT NOT NULL,
  time_s REAL NOT NULL,
  phase_mode TEXT NOT NULL,
  ph0_deg REAL,
  ph1_deg REAL,
  pivot_ppm REAL,
  reference_offset_ppm REAL,
  PRIMARY KEY (run_id, spectrum)
);
CREATE TABLE integrals (
  run_id INTEGER NOT NULL,
  spectrum INTEGER NOT NULL,
  region TEXT NOT NULL,
  from_ppm REAL NOT NULL,
  to_ppm REAL NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, spectrum, region),
  FOREIGN KEY (run_id, spectrum) REFERENCES spectra(run_id, spectrum) ON DELETE CASCADE
);
CREATE TABLE morphology (
  run_id INTEGER NOT NULL,
  spectrum INTEGER NOT NULL,
  component_index INTEGER NOT NULL,
  component TEXT,
  position_ppm REAL,
  position_stderr_ppm REAL,
  fwhm_ppm REAL,
  area REAL,
  area_stderr REAL,
  fraction REAL,
  fraction_stderr REAL,
  r_squared REAL,
  converged INTEGER,
  error TEXT,
  PRIMARY KEY (run_id, spectrum, component_index),
  FOREIGN KEY (run_id, spectrum) REFERENCES spectra(run_id, spectrum) ON DELETE CASCADE
);
CREATE TABLE alignment (
  run_id INTEGER NOT NULL,
  spectrum INTEGER NOT NULL,
  label TEXT,
  start_ms REAL NOT NULL,
  end_ms REAL NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  status TEXT NOT NULL,
  straddles_step INTEGER NOT NULL,
  mean_voltage_v REAL,
  mean_current_ma REAL,
  charge_start_mah REAL,
  charge_mid_mah REAL,
  charge_end_mah REAL,
  charge_mean_mah REAL,
  step_index INTEGER,
  instrument_step INTEGER,
  step_type TEXT,
  direction TEXT,
  cycle INTEGER,
  step_capacity_mah REAL,
  soc_pct REAL,
  PRIMARY KEY (run_id, spectrum),
  FOREIGN KEY (run_id) REFERENCES runs(id) ON DELETE CASCADE
);
CREATE TABLE cycles (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  cycle INTEGER NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  charge_mah REAL NOT NULL,
  discharge_mah REAL NOT NULL,
  charge_mah_cm2 REAL,
  discharge_mah_cm2 REAL,
  coulombic_efficiency REAL,
  state_of_health REAL,
  complete INTEGER NOT NULL,
  PRIMARY KEY (run_id, cycle)
);
CREATE TABLE impedance (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sweep INTEGER NOT NULL,
  time_s REAL NOT NULL,
  time_iso TEXT,
  points INTEGER NOT NULL,
  kk_max_residual REAL,
  kk_pass INTEGER NOT NULL,
  r_inf_ohm REAL,
  polarization_ohm REAL,
  lambda REAL,
  PRIMARY KEY (run_id, sweep)
);
CREATE TABLE drt_windows (
  run_id INTEGER NOT NULL,
  sweep INTEGER NOT NULL,
  log10_tau_min REAL NOT NULL,
  log10_tau_max REAL NOT NULL,
  resistance_ohm REAL,
  PRIMARY KEY (run_id, sweep, log10_tau_min, log10_tau_max),
  FOREIGN KEY (run_id, sweep) REFERENCES impedance(run_id, sweep) ON DELETE CASCADE
);
`;

const V2 = `
CREATE TABLE dead_lithium (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  cycle INTEGER NOT NULL,
  initial_charge_mah REAL NOT NULL,
  reversible_mah REAL NOT NULL,
  excess_mah REAL NOT NULL,
  dead_mah REAL NOT NULL,
  interphase_mah REAL NOT NULL,
  reversible_percent REAL NOT NULL,
  excess_percent REAL NOT NULL,
  dead_percent REAL NOT NULL,
  interphase_percent REAL NOT NULL,
  PRIMARY KEY (run_id, cycle)
);
CREATE INDEX inputs_sha256 ON inputs(sha256);
`;

const V3 = `
ALTER TABLE alignment ADD COLUMN gap INTEGER;
ALTER TABLE alignment ADD COLUMN gap_overlap_s REAL;
ALTER TABLE alignment ADD COLUMN step_technique TEXT;
ALTER TABLE spectra ADD COLUMN time_source TEXT;
ALTER TABLE spectra ADD COLUMN ns REAL;
ALTER TABLE spectra ADD COLUMN rg REAL;
ALTER TABLE spectra ADD COLUMN scale_factor REAL;
`;

/*
 * Version 4: what the workbench draws and live mode grows.
 * - runs.status gains 'live' (a run `spincell watch` is still adding to) and runs gain updated_at and a
 *   progress line. SQLite cannot alter a CHECK constraint, so the column is renamed, re-added with the new
 *   constraint, copied and the old one dropped (its own CHECK goes with it).
 * - spectrum_data: each processed spectrum's real part (float32, little-endian), block-averaged to at most
 *   4,096 points (stride recorded), on an axis from ppm_first to ppm_last; with the morphology fit's
 *   nuisance terms (baseline, reference shift) so its curves can be redrawn.
 * - morphology gains each line's Gaussian and Lorentzian FWHM (the Voigt parameters).
 * - cycler_series: the run's cycler record (time on the record's clock, voltage, current, charge; float64).
 */
const V4 = `
ALTER TABLE runs RENAME COLUMN status TO status_v3;
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'failed', 'live'));
UPDATE runs SET status = status_v3;
ALTER TABLE runs DROP COLUMN status_v3;
ALTER TABLE runs ADD COLUMN updated_at TEXT;
ALTER TABLE runs ADD COLUMN progress TEXT;
ALTER TABLE morphology ADD COLUMN fwhm_g_ppm REAL;
ALTER TABLE morphology ADD COLUMN fwhm_l_ppm REAL;
CREATE TABLE spectrum_data (
  run_id INTEGER NOT NULL,
  spectrum INTEGER NOT NULL,
  points INTEGER NOT NULL,
  stride INTEGER NOT NULL,
  ppm_first REAL NOT NULL,
  ppm_last REAL NOT NULL,
  intensity BLOB NOT NULL,
  fit_json TEXT,
  PRIMARY KEY (run_id, spectrum),
  FOREIGN KEY (run_id, spectrum) REFERENCES spectra(run_id, spectrum) ON DELETE CASCADE
);
CREATE TABLE cycler_series (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  start_ms REAL,
  points INTEGER NOT NULL,
  time_s BLOB NOT NULL,
  voltage_v BLOB NOT NULL,
  current_ma BLOB NOT NULL,
  charge_mah BLOB NOT NULL
);
`;

/*
 * Version 5: what the workbench's impedance view draws.
 * - impedance_data: each sweep's points (frequency, Z', Z'') and Lin-KK residuals (% of |Z|, with the
 *   threshold the verdict used), and its DRT γ(τ) on the run's common grid (log10 τ/s, Ω per unit ln τ);
 *   float64 little-endian BLOBs, as cycler_series.
 * - impedance_alignment: each sweep's cell state on the cycler record (the columns of
 *   impedance-aligned.csv; the window on the record's clock, as the alignment table keeps a spectrum's).
 * Both go with their sweep's impedance row (live mode rewrites a run's impedance rows).
 */
const V5 = `
CREATE TABLE impedance_data (
  run_id INTEGER NOT NULL,
  sweep INTEGER NOT NULL,
  points INTEGER NOT NULL,
  frequency_hz BLOB NOT NULL,
  z_real_ohm BLOB NOT NULL,
  z_imag_ohm BLOB NOT NULL,
  kk_residual_real_pct BLOB,
  kk_residual_imag_pct BLOB,
  kk_threshold_pct REAL,
  drt_points INTEGER NOT NULL,
  log10_tau_s BLOB NOT NULL,
  gamma_ohm BLOB NOT NULL,
  PRIMARY KEY (run_id, sweep),
  FOREIGN KEY (run_id, sweep) REFERENCES impedance(run_id, sweep) ON DELETE CASCADE
);
CREATE TABLE impedance_alignment (
  run_id INTEGER NOT NULL,
  sweep INTEGER NOT NULL,
  label TEXT,
  start_ms REAL NOT NULL,
  end_ms REAL NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  status TEXT NOT NULL,
  straddles_step INTEGER NOT NULL,
  gap INTEGER,
  gap_overlap_s REAL,
  mean_voltage_v REAL,
  mean_current_ma REAL,
  charge_start_mah REAL,
  charge_mid_mah REAL,
  charge_end_mah REAL,
  charge_mean_mah REAL,
  step_index INTEGER,
  instrument_step INTEGER,
  step_type TEXT,
  step_technique TEXT,
  direction TEXT,
  cycle INTEGER,
  step_capacity_mah REAL,
  soc_pct REAL,
  PRIMARY KEY (run_id, sweep),
  FOREIGN KEY (run_id, sweep) REFERENCES impedance(run_id, sweep) ON DELETE CASCADE
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'campaigns, cells, experiments, runs, inputs and result tables', sql: V1 },
  { version: 2, description: 'dead-lithium allocations; inputs indexed by SHA-256', sql: V2 },
  {
    version: 3,
    description: 'alignment over record holes and step technique; time source and NS·RG scaling per spectrum',
    sql: V3,
  },
  {
    version: 4,
    description: 'live runs; spectrum data, Voigt widths and the cycler record for the workbench',
    sql: V4,
  },
  {
    version: 5,
    description: 'per-sweep impedance points, Lin-KK residuals and DRT; the cell state over each sweep',
    sql: V5,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
