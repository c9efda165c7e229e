// Outcome reward: the final answer (<answer>, \boxed{} or "final answer is") is mathematically equal to
// the ground truth, judged by Math-Verify's rules (mathVerifyReward). This workspace's answers are
// whole numbers, which numbers decide without the symbolic engine.
import { mathVerifyReward } from "rewardlab";

export default mathVerifyReward({ name: "accuracy", weight: 1 });
