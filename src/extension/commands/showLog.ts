import type { Command } from "./command";

export const showLog: Command = {
  id: "rewardlab.showLog",
  run({ log }) {
    log.show();
  },
};
