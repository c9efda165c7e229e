/**
 * What a path given on the command line names: one file, or a folder of them. verl writes one
 * `{global_step}.jsonl` per step into `trainer.rollout_data_dir`; TRL writes
 * `completions/completions_{step:05d}.parquet`. A folder stands for the row files directly inside
 * it, in step order.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { sniffContainer } from "./rows";

/**
 * File names a folder contributes: JSONL (plain or gzip), JSON arrays of rows (ProcessBench's
 * `gsm8k.json`, ...; a `.json` file counts only when it holds an array, so a folder's config or
 * metadata files are not read as data) and parquet. Hidden and temporary files are not.
 */
const ROW_FILE = /^[^.].*\.(?:jsonl|jsonl\.gz|json|parquet)$/i;
const JSON_FILE = /\.json$/i;

/** Natural order: `2.jsonl` before `10.jsonl`, `completions_00002` before `completions_00010`. */
const naturalOrder = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;

/** An input that is not a file or a folder (a FIFO, a socket, a device). */
export class NotARegularFileError extends Error {
  constructor(path: string, what: string) {
    super(`${path} is ${what}, not a file: write it to a file first (reading it could wait forever)`);
    this.name = "NotARegularFileError";
  }
}

/** A folder that holds no row files; the message says what it does hold. */
export class EmptyInputFolderError extends Error {
  constructor(folder: string, subfolders: string[]) {
    const hint = subfolders.length > 0 ? ` Its folders: ${subfolders.slice(0, 8).join(", ")}${subfolders.length > 8 ? ", ..." : ""}; name one of them.` : "";
    super(`${folder} holds no .jsonl, .jsonl.gz, .json or .parquet files.${hint}`);
    this.name = "EmptyInputFolderError";
  }
}

/**
 * The files `path` names: `[path]` for a file; for a folder, its `.jsonl` / `.jsonl.gz` /
 * `.parquet` files and the `.json` files that hold a JSON array (not those in subfolders), in natural order.
 * @throws EmptyInputFolderError for a folder with none; the fs error (ENOENT, EACCES) otherwise.
 */
export async function expandInput(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    // A FIFO or a device would block the reader until something writes to it, maybe forever.
    if (!info.isFile()) throw new NotARegularFileError(path, info.isFIFO() ? "a named pipe (FIFO)" : info.isSocket() ? "a socket" : "a device");
    return [path];
  }
  const entries = await readdir(path, { withFileTypes: true });
  const named = entries.filter((entry) => entry.isFile() && ROW_FILE.test(entry.name)).map((entry) => entry.name);
  const files: string[] = [];
  for (const name of named) if (!JSON_FILE.test(name) || (await sniffContainer(join(path, name))) === "json") files.push(name);
  files.sort(naturalOrder);
  if (files.length === 0) throw new EmptyInputFolderError(path, entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort(naturalOrder));
  return files.map((name) => join(path, name));
}

/** {@link expandInput} of each path, in the order given; a file named twice is read once. */
export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) for (const file of await expandInput(path)) if (!out.includes(file)) out.push(file);
  return out;
}
