/** Every `rewardlab` subcommand, in the order `--help` lists them. */
import type { CliCommand } from "../command";
import { convertCommand } from "./convert";
import { exportCommand } from "./export";
import { scoreCommand } from "./score";
import { serveCommand } from "./serve";

export const commands: readonly CliCommand[] = [scoreCommand, convertCommand, serveCommand, exportCommand];
