/** What `rewardlab convert --json` prints: the CLI writes it, the extension's "Convert Rollout Log" reads it. */

export interface ConvertJson {
  input: string;
  /** Source files read (a folder's files; 1 for a file). */
  files: number;
  output: string;
  format: string;
  confidence: number;
  samples: number;
  groups: number;
  images: number;
  missing_images: number;
  missing_image_paths: { file: string; reference: string; path: string }[];
  /** Lines that could not be converted: where and why (`row` for parquet). */
  malformed_lines: { file: string; line: number; row?: number; message: string }[];
  elapsed_ms: number;
}
