import type { Services } from "../services";

/** One command: its id (as contributed in package.json) and what it does. */
export interface Command {
  id: string;
  run(services: Services, ...args: unknown[]): unknown;
}
