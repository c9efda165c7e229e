// R1-style format reward: 1 when the completion is <think>…</think><answer>…</answer>.
import { formatReward } from "rewardlab";

export default formatReward({ weight: 0.5 });
