/**
 * Bruker TopSpin / XWIN-NMR data: parameter files, raw FIDs (fid, ser), series of experiments,
 * processed spectra (1r/1i) and a writer for experiment folders.
 */
export { BrukerParams, parseBrukerParams, readBrukerParams, type ParamValue } from './params.js';
export {
  DSP_GROUP_DELAY_TABLE,
  dspTableGroupDelay,
  groupDelayFromParams,
  type GroupDelay,
  type GroupDelaySource,
} from './groupdelay.js';
export {
  BLOCK_BYTES,
  byteOrderFromCode,
  bytesPerValue,
  dataTypeFromCode,
  decodeComplex,
  decodeValues,
  deinterleave,
  paddedRowBytes,
  type BrukerDataType,
  type ByteOrder,
} from './binary.js';
export {
  estimatedDurationS,
  parseAuditTimestamp,
  parseAuditTrail,
  readAuditWindow,
  type AcquisitionWindow,
  type TimeSource,
} from './times.js';
export {
  acqusInfo,
  detectBrukerFormat,
  experimentMeta,
  folderNumber,
  listSeries,
  readAcqus,
  readExperiment,
  readSeriesFid,
  type AcqusInfo,
  type BrukerFormat,
  type SeriesEntry,
  type SeriesListOptions,
} from './experiment.js';
export {
  procsParams,
  procsPpmAxis,
  readProcessed,
  readProcessedFolder,
  readProcs,
  type ProcessedSpectrum,
  type ProcsParams,
} from './processed.js';
export {
  assertPseudo2D,
  LIST_UNITS,
  parseList,
  readRowLists,
  rowDurationsS,
  rowVariables,
  type ListName,
  type RowVariable,
} from './lists.js';
export {
  writeBrukerExperiment,
  writeBrukerSer,
  brukerFiles,
  type BrukerWriteSpec,
  type ComplexData,
  type DigitalFilterSpec,
  type ParamWriteValue,
  type WriteResult,
} from './write.js';
