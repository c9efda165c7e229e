/**
 * Built-in rewards. Each factory returns a plain `RewardDefinition`; they import only types from the
 * reward API and the trace model, so they bundle into the sandbox worker and the `rewardlab` library.
 */
export { formatReward, type FormatRewardOptions } from "./format";
export { extractMathAnswers, fromMathVerifyConfig, mathEqual, mathVerifyReward, normaliseMath, type MathTarget, type MathVerifyOptions, type MathVerifyPythonConfig, type MathVerifyRewardOptions } from "./mathVerify";
export {
  acceptedAnswers,
  answerMatchReward,
  answersMatch,
  normalizeAnswer,
  type AnswerMatchOptions,
  type AnswerMatchRewardOptions,
} from "./answerMatch";
export {
  boxGiou,
  boxIou,
  iouReward,
  matchBoxes,
  toPixelBox,
  type BoxConvention,
  type BoxMatch,
  type IouRewardOptions,
} from "./iou";
export { overlongPenalty, type OverlongPenaltyOptions } from "./overlong";
export { repetitionPenalty, type RepetitionPenaltyOptions } from "./repetition";
export { lengthReward, stepCountReward, type LengthRewardOptions, type StepCountRewardOptions } from "./length";
export { completionLength, CHARS_PER_TOKEN, type LengthUnit } from "./measure";
export { onnxPrm, type OnnxPrmOptions, type OnnxProcessReward } from "./prm";
