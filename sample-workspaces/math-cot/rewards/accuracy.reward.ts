// Outcome reward: the predicted answer (<answer>, \boxed{} or "Answer:") matches the ground truth.
import { answerMatchReward } from "rewardlab";

export default answerMatchReward({ name: "accuracy", weight: 1 });
