/**
 * Safe output files. Everything RewardLab writes (converted traces, scored traces, exports) goes
 * through here so that an interrupted run never leaves a half-written file in place of a good one,
 * and an output path that names an input is refused before a single byte is written.
 *
 * Atomicity: write a temp file in the target's directory (same filesystem, so rename is atomic),
 * fsync it, rename it over the target, then fsync the directory (best effort).
 */
import { closeSync, constants, fsyncSync, openSync, realpathSync, statSync, type Stats } from "node:fs";
import { open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

/** Thrown when an output path is one of the inputs (same path, symlink or hard link). */
export class SameFileError extends Error {
  override readonly name = "SameFileError";
  constructor(
    readonly outPath: string,
    readonly inputPath: string,
  ) {
    super(
      `Refusing to write "${outPath}": it is the input file "${inputPath}", which would be overwritten. ` +
        "Choose a different output path.",
    );
  }
}

/**
 * Throws `SameFileError` when `outPath` refers to the same file as one of `inputPaths`: the same
 * path after resolving `.`/`..` and symlinks, or (for an existing output) the same device and inode,
 * which also catches hard links. Inputs that do not exist are ignored.
 */
export function assertNotSameFile(outPath: string, inputPaths: readonly string[]): void {
  const out = canonicalPath(outPath);
  const outStat = statOrNull(outPath);
  for (const input of inputPaths) {
    const inputStat = statOrNull(input);
    const sameInode = outStat !== null && inputStat !== null && outStat.dev === inputStat.dev && outStat.ino === inputStat.ino;
    if (sameInode || canonicalPath(input) === out) throw new SameFileError(outPath, input);
  }
}

export interface AtomicWriteOptions {
  /** Input files the output must not overwrite (see `assertNotSameFile`). */
  inputs?: readonly string[];
}

/** Writes a whole file atomically: readers see the old content or the new, never a mix. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const writer = createAtomicWriter(path, options);
  try {
    await writer.write(data);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** A streamed output file that appears at its path only on `commit()`. */
export interface AtomicWriter {
  /** Appends data. Small writes are buffered; the returned promise resolves once it is accepted. */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes, fsyncs and renames the temp file over the target. */
  commit(): Promise<void>;
  /** Discards everything written: the temp file is removed and the target is left untouched. Idempotent. */
  abort(): Promise<void>;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Starts a streamed atomic write to `path`. The same-file check runs now, synchronously, so a bad
 * output path fails before any work is done. The temp file is created on the first write.
 * If `path` is a symlink, the file it points to is replaced and the link is kept.
 */
/** Writing an output failed (full disk, read-only folder, no permission): names the output; nothing was left behind. */
export class OutputWriteError extends Error {
  override readonly name = "OutputWriteError";
  readonly code: string | undefined;
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "ENOSPC" ? "the disk is full" : code === "EROFS" ? "the file system is read-only" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EDQUOT" ? "the disk quota is exceeded" : (cause as Error).message;
    super(`cannot write ${path}: ${why}${code ? ` (${code})` : ""}; nothing was written there`);
    this.code = code;
  }
}

export function createAtomicWriter(path: string, options: AtomicWriteOptions = {}): AtomicWriter {
  if (options.inputs) assertNotSameFile(path, options.inputs);
  const target = resolveSymlink(path);
  const tempPath = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let handle: Promise<FileHandle> | null = null;
  let buffered: (string | Uint8Array)[] = [];
  let bufferedBytes = 0;
  let state: "open" | "committed" | "aborted" = "open";

  const fileHandle = (): Promise<FileHandle> => (handle ??= open(tempPath, "wx"));

  async function flush(): Promise<void> {
    if (buffered.length === 0) return;
    const pieces = buffered.map((piece) => (typeof piece === "string" ? Buffer.from(piece) : piece));
    const data = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
    buffered = [];
    bufferedBytes = 0;
    const fh = await fileHandle();
    // A write may be partial; loop until the whole buffer is in the file.
    for (let offset = 0; offset < data.byteLength; ) offset += (await fh.write(data, offset, data.byteLength - offset)).bytesWritten;
  }

  function assertOpen(action: string): void {
    if (state !== "open") throw new Error(`Cannot ${action} "${path}": the atomic writer was already ${state}.`);
  }

  async function write(chunk: string | Uint8Array): Promise<void> {
    assertOpen("write to");
    buffered.push(chunk);
    bufferedBytes += typeof chunk === "string" ? chunk.length : chunk.byteLength;
    if (bufferedBytes >= FLUSH_BYTES) {
      try {
        await flush();
      } catch (error) {
        await abort();
        throw new OutputWriteError(path, error);
      }
    }
  }

  async function commit(): Promise<void> {
    assertOpen("commit");
    try {
      await flush();
      const fh = await fileHandle();
      await copyModeFrom(target, fh);
      await fh.sync();
      await fh.close();
      await rename(tempPath, target);
      state = "committed";
    } catch (error) {
      await abort();
      throw new OutputWriteError(path, error);
    }
    syncDirectory(dirname(target));
  }

  async function abort(): Promise<void> {
    if (state === "committed") return;
    state = "aborted";
    buffered = [];
    if (handle === null) return;
    await (await handle.catch(() => null))?.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
  }

  return { write, commit, abort };
}

/** Keeps an existing target's permissions (a temp file is created with the default mode). */
async function copyModeFrom(target: string, fh: FileHandle): Promise<void> {
  const existing = await stat(target).catch(() => null);
  if (existing) await fh.chmod(existing.mode & 0o7777);
}

function syncDirectory(directory: string): void {
  // Makes the rename durable. Not supported on every platform or filesystem; failure is harmless.
  try {
    const fd = openSync(directory, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Absolute path with symlinks resolved; for a file that does not exist yet, its directory's. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function resolveSymlink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
