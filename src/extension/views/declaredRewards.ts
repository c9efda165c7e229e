/** Reward declarations found in reward source text, for views and CodeLens before (or without) compiling. Pure: no vscode. */

/** What a reward file declares, read from its text (the engine's compile result replaces this when present). */
export interface DeclaredReward {
  name: string;
  weight?: number;
  kind?: string;
  /** 0-based line of the `name:` property. */
  line: number;
  /** 0-based line of the `defineReward(` / `fromTrl(` / `fromVerl(` / `fromEasyR1(` call that declares it (or `line`). */
  declarationLine: number;
}

const DECLARATION = /\b(defineReward|fromTrl|fromVerl|fromEasyR1)\s*\(/;

/** Finds `defineReward({ name: "...", kind: "...", weight: N })` declarations in reward source text. */
export function declaredRewards(text: string): DeclaredReward[] {
  const rewards: DeclaredReward[] = [];
  const lines = text.split("\n");
  const declarations = lines.flatMap((line, i) => (DECLARATION.test(line) ? [i] : []));
  lines.forEach((line, i) => {
    const named = /\bfrom(?:Trl|Verl)\s*\(\s*["'`]([^"'`]+)["'`]/.exec(line);
    const name = named ?? /\bname\s*:\s*["'`]([^"'`]+)["'`]/.exec(line);
    if (!name) return;
    // The declaring call is the nearest one at or above the name; its properties end where the next call starts.
    // A `name:` with no declaring call just above belongs to something else (a built-in helper's options).
    const near = declarations.filter((d) => d <= i && d >= i - 6).pop();
    if (near === undefined && !named) return;
    const declarationLine = near ?? i;
    const nextDeclaration = declarations.find((d) => d > declarationLine) ?? lines.length;
    const body = lines.slice(declarationLine, Math.min(nextDeclaration, i + 8)).join("\n");
    const weight = /\bweight\s*:\s*(-?[\d.]+)/.exec(body);
    const kind = /\bkind\s*:\s*["'`](\w+)["'`]/.exec(body);
    rewards.push({ name: name[1], line: i, declarationLine, weight: weight ? Number(weight[1]) : undefined, kind: kind?.[1] });
  });
  return rewards;
}


/** What the engine compiled from one file (name, weight, kind), for positioning it in the text. */
export interface CompiledReward {
  name: string;
  weight: number;
  kind: string;
  file: string;
}

/**
 * The rewards a file defines, at their lines: the engine's list when it loaded the file (so a
 * reward without a `name:` in the text, such as `formatReward({...})`, is there), placed at its
 * `name:` line or else the file's first declaring call; the text's declarations otherwise.
 */
export function rewardsOfFile(text: string, file: string, compiled: readonly CompiledReward[] | undefined): DeclaredReward[] {
  const declared = declaredRewards(text);
  const mine = compiled?.filter((reward) => reward.file === file) ?? [];
  if (mine.length === 0) return declared;
  const lines = text.split("\n");
  const firstCall = Math.max(0, lines.findIndex((line) => /\bexport\s+default\b/.test(line)));
  return mine.map((reward): DeclaredReward => {
    const at = declared.find((d) => d.name === reward.name);
    return { name: reward.name, weight: reward.weight, kind: reward.kind, line: at?.line ?? firstCall, declarationLine: at?.declarationLine ?? firstCall };
  });
}
