/** Every `rewardlab` subcommand, in the order `--help` lists them. */
import type { CliCommand } from "../command";
import { convertCommand } from "./convert";
import { evalCommand } from "./eval";
import { exportCommand } from "./export";
import { generateCommand } from "./generate";
import { scoreCommand } from "./score";
import { serveCommand } from "./serve";
import { sftCommand } from "./sft";
import { trainCommand } from "./train";

export const commands: readonly CliCommand[] = [scoreCommand, convertCommand, serveCommand, exportCommand, generateCommand, trainCommand, sftCommand, evalCommand];
