// Format reward: the completion is exactly <think>…</think><answer>…</answer>, nothing around it.
import { formatReward } from "rewardlab";

export default formatReward({ weight: 0.5, strict: true });
