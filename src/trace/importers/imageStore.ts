/**
 * Turns the image references found in source rows — relative or absolute paths, `file://` URLs,
 * data URIs, or raw bytes (parquet `{bytes, path}` structs) — into what a trace record stores: a
 * path relative to the trace file, or the data URI / URL unchanged.
 *
 * Bytes are written once, content-addressed (`<sha1>.<ext>`), into a cache folder beside the
 * output; never into the source file or next to it under the user's names.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { MissingImage } from "./types";

export interface ImageStoreOptions {
  /** The source file; relative paths in it are relative to its folder unless `imageDir` is given. */
  sourceFile: string;
  /** Folder relative paths are relative to instead (EasyR1's `data.image_dir`). */
  imageDir?: string;
  /** Told about each relative path that names no file. */
  onMissingImage?: (missing: MissingImage) => void;
  /** Folder the stored paths are made relative to (the trace file's folder). */
  baseDir: string;
  /** Folder image bytes are written to. */
  cacheDir: string;
}

export class ImageStore {
  private readonly sourceDir: string;
  /** Hashes already on disk, so each image is hashed-and-written once per import. */
  private readonly written = new Set<string>();
  /** How many images were written by this store (the rest were already cached). */
  bytesWritten = 0;
  filesWritten = 0;

  constructor(private readonly options: ImageStoreOptions) {
    this.sourceDir = resolve(options.imageDir ?? dirname(resolve(options.sourceFile)));
  }

  /** Resolves one image reference; `undefined` when the value is not an image reference. */
  async resolve(value: unknown): Promise<string | undefined> {
    if (typeof value === "string") return this.fromString(value);
    if (value instanceof Uint8Array) return this.fromBytes(value);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const struct = value as { bytes?: unknown; path?: unknown; url?: unknown; image?: unknown };
      if (struct.bytes instanceof Uint8Array && struct.bytes.byteLength > 0) return this.fromBytes(struct.bytes);
      for (const field of [struct.path, struct.url, struct.image]) {
        if (typeof field === "string" && field !== "") return this.fromString(field);
      }
    }
    return undefined;
  }

  /** Resolves a list (or a single value) of references, skipping what is not an image. */
  async resolveAll(value: unknown): Promise<string[]> {
    const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    const out: string[] = [];
    for (const item of items) {
      const resolved = await this.resolve(item);
      if (resolved !== undefined) out.push(resolved);
    }
    return out;
  }

  private fromString(reference: string): string {
    if (/^(data|https?):/i.test(reference)) return reference;
    // Absolute paths (and file:// URLs) name a fixed place: keep them absolute. Relative paths are
    // relative to the source file and are rebased onto the trace file's folder.
    const path = reference.startsWith("file://") ? fileURLToPath(reference) : reference;
    if (isAbsolute(path)) return path;
    const absolute = resolve(this.sourceDir, path);
    if (this.options.onMissingImage && !existsSync(absolute)) this.options.onMissingImage({ file: this.options.sourceFile, reference, path: absolute });
    return this.relativeToBase(absolute);
  }

  private async fromBytes(bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha1").update(bytes).digest("hex");
    const file = join(this.options.cacheDir, `${hash}.${imageExtension(bytes)}`);
    if (!this.written.has(hash)) {
      this.written.add(hash);
      if (!existsSync(file)) {
        await mkdir(this.options.cacheDir, { recursive: true });
        // Write beside and rename, so a crash never leaves a half image under the final name.
        const temp = `${file}.${process.pid}.tmp`;
        await writeFile(temp, bytes);
        await rename(temp, file);
        this.filesWritten++;
        this.bytesWritten += bytes.byteLength;
      }
    }
    return this.relativeToBase(file);
  }

  private relativeToBase(absolute: string): string {
    const path = relative(this.options.baseDir, absolute);
    return sep === "/" ? path : path.split(sep).join("/");
  }
}

/** File extension from the image's magic bytes (PNG, JPEG, GIF, WebP, BMP), `bin` when unknown. */
export function imageExtension(bytes: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "png";
  if (starts(0xff, 0xd8, 0xff)) return "jpg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "gif";
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "webp";
  if (starts(0x42, 0x4d)) return "bmp";
  return "bin";
}
