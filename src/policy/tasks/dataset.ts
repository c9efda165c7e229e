/**
 * Task datasets on disk, in a workspace's data/ folder:
 *
 *   data/<split>.jsonl     one record per line: the trace JSONL contract (DESIGN.md) minus
 *                          `completion`, plus `reference` (the target completion)
 *   data/images/<id>.png   the example's image, referenced as "images/<id>.png"
 *
 * {"id":"train-00000","prompt":"How many circles are there?","images":["images/train-00000.png"],
 *  "answer":"2","regions":[{"box":[3,5,17,19],"label":"red circle","frame":"pixel"}],
 *  "reference":"<think>Step 1: …</think><answer>2</answer>",
 *  "meta":{"task":"shapes-vqa","type":"count-shape","difficulty":2}}
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../trace/io";
import { readLines } from "../../trace/reader";
import { decodeRgbPng, encodeRgbPng } from "./png";
import { TASK_NAMES, type Region, type TaskExample, type TaskName } from "./types";

export interface DatasetMeta {
  task: TaskName;
  type: string;
  difficulty: number;
  [key: string]: unknown;
}

/** One line of a dataset file. Unknown keys are kept. */
export interface DatasetRecord {
  id: string;
  prompt: string;
  /** Paths relative to the dataset file. */
  images?: string[];
  answer: string;
  regions?: Region[];
  reference: string;
  meta: DatasetMeta;
  [key: string]: unknown;
}

/** A line that is not a valid record. */
export interface DatasetLineError {
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

/** Thrown by `readDataset` with every bad line; the message lists the first few as file:line. */
export class DatasetError extends Error {
  constructor(readonly errors: readonly DatasetLineError[]) {
    const shown = errors.slice(0, 10).map((e) => `  ${e.file}:${e.line}: ${e.message}`);
    if (errors.length > shown.length) shown.push(`  ... and ${errors.length - shown.length} more`);
    super(`${errors.length} bad line(s) in dataset ${errors[0]?.file ?? ""}:\n${shown.join("\n")}\nFix these lines, or regenerate the data with \`rewardlab generate\`.`);
    this.name = "DatasetError";
  }
}

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

const regionSchema = z
  .object({
    box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    frame: z.enum(["pixel", "norm1000", "norm1"]),
    label: z.string().optional(),
  })
  .passthrough();

const recordSchema = z
  .object({
    id: z.string().min(1),
    prompt: z.string(),
    images: z.array(z.string().min(1)).optional(),
    // Hand-edited files may write a count as a number; it is read as its string.
    answer: z.union([z.string(), z.number()]),
    regions: z.array(regionSchema).optional(),
    reference: z.string(),
    meta: z.object({ task: z.enum(TASK_NAMES), type: z.string(), difficulty: z.number().int() }).passthrough(),
  })
  .passthrough();

/** The dataset line of an example whose image (if any) is stored as images/<id>.png. */
export function toRecord(example: TaskExample): DatasetRecord {
  const record: DatasetRecord = { id: example.id, prompt: example.prompt, answer: example.answer, reference: example.reference, meta: { task: example.task, ...example.meta } };
  if (example.image) record.images = [`images/${example.id}.png`];
  if (example.regions) record.regions = example.regions;
  // Key order as in the contract, for files people read.
  const { id, prompt, images, answer, regions, reference, meta } = record;
  return JSON.parse(JSON.stringify({ id, prompt, images, answer, regions, reference, meta })) as DatasetRecord;
}

/**
 * Writes `<dir>/data/<split>.jsonl` and `<dir>/data/images/<id>.png` for every example with an
 * image. Every file is written atomically and the JSONL last, so a reader never sees a record whose
 * image is missing.
 * @throws Error on an unsafe split name or id (they become file names) or a duplicate id.
 */
export async function writeDataset(dir: string, split: string, examples: readonly TaskExample[]): Promise<{ file: string; images: number; bytes: number }> {
  if (!SAFE_NAME.test(split)) throw new Error(`split name "${split}" is not a safe file name: use letters, digits, "-" and "_"`);
  const seen = new Set<string>();
  for (const example of examples) {
    if (!SAFE_NAME.test(example.id)) throw new Error(`example id "${example.id}" is not a safe file name: use letters, digits, ".", "-" and "_"`);
    if (seen.has(example.id)) throw new Error(`duplicate example id "${example.id}" in split ${split}`);
    seen.add(example.id);
  }
  const dataDir = join(dir, "data");
  const withImages = examples.filter((example) => example.image);
  if (withImages.length > 0) await mkdir(join(dataDir, "images"), { recursive: true });
  else await mkdir(dataDir, { recursive: true });
  let bytes = 0;
  for (const example of withImages) {
    const png = encodeRgbPng(example.image!);
    bytes += png.byteLength;
    await writeFileAtomic(join(dataDir, "images", `${example.id}.png`), png);
  }
  const text = examples.map((example) => JSON.stringify(toRecord(example)) + "\n").join("");
  const file = join(dataDir, `${split}.jsonl`);
  await writeFileAtomic(file, text);
  return { file, images: withImages.length, bytes: bytes + Buffer.byteLength(text) };
}

/** What is wrong with a parsed line, in words, or null when it is a valid record. */
function recordProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected a JSON object";
  const parsed = recordSchema.safeParse(value);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const path = issue.path.join(".");
  return `${path ? `"${path}": ` : ""}${issue.message}`;
}

/** A valid record and the line it came from. */
interface ParsedLine {
  record: DatasetRecord;
  line: number;
}

/**
 * Parses dataset text; `file` names it in errors.
 * @throws DatasetError listing every invalid line (bad JSON, missing or mistyped keys, duplicate ids).
 */
export function parseDataset(text: string, file: string): DatasetRecord[] {
  const parsed: ParsedLine[] = [];
  const errors: DatasetLineError[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) parseLine(lines[i].replace(/\r$/, ""), i + 1, file, parsed, errors);
  return checked(parsed, errors, file);
}

/** Reads a dataset JSONL file (streamed, so large files are fine). @throws DatasetError as `parseDataset`. */
export async function readDataset(file: string): Promise<DatasetRecord[]> {
  const parsed: ParsedLine[] = [];
  const errors: DatasetLineError[] = [];
  for await (const { line, text } of readLines(file)) parseLine(text, line, file, parsed, errors);
  return checked(parsed, errors, file);
}

function parseLine(text: string, line: number, file: string, parsed: ParsedLine[], errors: DatasetLineError[]): void {
  if (text.trim() === "") return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    errors.push({ file, line, message: `invalid JSON (${(error as Error).message})` });
    return;
  }
  const problem = recordProblem(value);
  if (problem) errors.push({ file, line, message: problem });
  else parsed.push({ record: { ...(value as DatasetRecord), answer: String((value as DatasetRecord).answer) }, line });
}

/** The records, after checking ids are unique. @throws DatasetError when any line was bad. */
function checked(parsed: readonly ParsedLine[], errors: DatasetLineError[], file: string): DatasetRecord[] {
  const firstLine = new Map<string, number>();
  for (const { record, line } of parsed) {
    const earlier = firstLine.get(record.id);
    if (earlier !== undefined) errors.push({ file, line, message: `duplicate id "${record.id}" (first on line ${earlier})` });
    else firstLine.set(record.id, line);
  }
  if (errors.length > 0) throw new DatasetError(errors.sort((a, b) => a.line - b.line));
  return parsed.map(({ record }) => record);
}

/**
 * Reads a dataset with its images decoded: the examples the policy trains and is evaluated on.
 * @throws DatasetError for bad lines; Error naming the record and path for a missing or unreadable image.
 */
export async function loadExamples(file: string): Promise<TaskExample[]> {
  const records = await readDataset(file);
  const base = dirname(resolve(file));
  const examples: TaskExample[] = [];
  for (const record of records) {
    const { id, prompt, answer, regions, reference, meta } = record;
    const example: TaskExample = { id, task: meta.task, prompt, answer, reference, meta: { type: meta.type, difficulty: meta.difficulty } };
    if (regions) example.regions = regions;
    const imagePath = record.images?.[0];
    if (imagePath !== undefined) {
      const path = resolve(base, imagePath);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new Error(`${file}: record "${id}": cannot read image ${imagePath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      example.image = decodeRgbPng(bytes, `${file}: record "${id}": image ${imagePath}`);
    }
    examples.push(example);
  }
  return examples;
}
