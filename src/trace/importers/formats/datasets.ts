/**
 * Prompt datasets (no completions yet; they import with an empty completion so prompts, images
 * and ground truth can be browsed and rewards dry-run against hand-written completions):
 *
 * - EasyR1: `{"problem", "answer", "images"}` rows (its `data.prompt_key=problem`,
 *   `answer_key=answer`, `image_key=images` defaults), JSONL or parquet; `problem` holds one
 *   `<image>` placeholder per image; images are paths or `{bytes, path}` structs.
 * - verl RLHF datasets (`examples/data_preprocess/*.py` output): `{"data_source", "prompt":
 *   [messages], "ability", "reward_model": {"style", "ground_truth"}, "extra_info", "images"?}`.
 */
import { datasetRecord, isMessageList, isPlainObject, messagesToText, unusedKeys } from "../common";
import { RowError, describe, requireString, rowImporter, share } from "../define";

export const easyr1Importer = rowImporter({
  name: "easyr1",
  summary: "EasyR1 dataset (problem, answer, images; <image> placeholders in problem)",
  origin: "EasyR1 data files (data.prompt_key=problem, answer_key=answer, image_key=images)",
  detect(probe) {
    const shaped = share(probe, (row) => typeof row.problem === "string" && "answer" in row);
    const visual = share(probe, (row) => "images" in row || (typeof row.problem === "string" && row.problem.includes("<image>")));
    return shaped * (0.8 + 0.15 * visual);
  },
  async toRecords(row, { file, images }) {
    const value = row.value;
    const prompt = requireString(value, "problem");
    const extra = unusedKeys(value, ["problem", "answer", "images"]);
    const imageRefs = await images.resolveAll(value.images);
    if (value.images !== undefined) extra.images = value.images;
    return [datasetRecord("easyr1", row, file, { prompt, images: imageRefs, answer: value.answer, extra })];
  },
});

export const verlDatasetImporter = rowImporter({
  name: "verl-dataset",
  summary: "verl RLHF dataset (data_source, prompt messages, reward_model.ground_truth, images)",
  origin: "verl examples/data_preprocess/*.py output (data.train_files / data.val_files parquet)",
  detect(probe) {
    return 0.95 * share(probe, (row) => isMessageList(row.prompt) && isPlainObject(row.reward_model));
  },
  async toRecords(row, { file, images }) {
    const value = row.value;
    if (!isMessageList(value.prompt)) throw new RowError(`"prompt" must be a message list, got ${describe(value.prompt)}`);
    const rewardModel = isPlainObject(value.reward_model) ? value.reward_model : {};
    const prompt = messagesToText(value.prompt);
    const extra = unusedKeys(value, ["images"]);
    const imageRefs = await images.resolveAll(value.images);
    if (value.images !== undefined) extra.images = value.images;
    return [datasetRecord("verl-dataset", row, file, { prompt, images: imageRefs, answer: rewardModel.ground_truth, extra })];
  },
});
