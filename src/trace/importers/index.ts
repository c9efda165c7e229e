export type { Container, ImportItem, ImportOptions, ImportProbe, Importer, MissingImage, SourceRef } from "./types";
export { ImporterRegistry, UnknownFormatError, MIN_CONFIDENCE, importers, importFile, openImport, type Detection, type OpenImportOptions, type OpenedImport } from "./registry";
export { RowError, rowImporter, defaultImageCacheDir, type RowContext, type RowImporterSpec } from "./define";
export { ImageStore, imageExtension } from "./imageStore";
export { probeFile, readRows, sniffContainer, type SourceRow } from "./rows";
export { inferGroup, STEP_SEPARATOR } from "./common";
export { EmptyInputFolderError, NotARegularFileError, expandInput, expandInputs } from "./inputs";
