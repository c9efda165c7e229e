/**
 * Public surface of the trace layer: the trace model, streaming reads, safe writes, and the
 * per-sample extraction (think, answer, steps, regions, image sizes).
 */
export * from "./types";
export { readLines, readTrace, parseTraceRecord, TraceParseError } from "./reader";
export type { ReadLinesOptions, TextLine, TraceEntry } from "./reader";
export { writeFileAtomic, createAtomicWriter, assertNotSameFile, SameFileError } from "./io";
export type { AtomicWriter, AtomicWriteOptions } from "./io";
export { extractThink, extractAnswer, lastBoxed } from "./answer";
export type { SpannedText } from "./answer";
export { splitSteps, reasoningSpan, locateRecordSteps } from "./steps";
export { extractRegions } from "./regions";
export { readImageSize, imageSizeFromBytes, parseDataUri, clearImageSizeCache } from "./images";

// Importers and the line index (other modules of this layer) export below.
export {
  importers,
  importFile,
  openImport,
  ImporterRegistry,
  UnknownFormatError,
  probeFile,
  inferGroup,
  rowImporter,
  RowError,
  ImageStore,
} from "./importers/index";
export type { Importer, ImportItem, ImportOptions, ImportProbe, SourceRef, Detection, OpenImportOptions, OpenedImport } from "./importers/index";
export { LineIndex } from "./lineIndex";
export type { LineIndexOptions, LineIndexProgress } from "./lineIndex";
