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
    const name = /\bname\s*:\s*["'`]([^"'`]+)["'`]/.exec(line) ?? /\bfrom(?:Trl|Verl)\s*\(\s*["'`]([^"'`]+)["'`]/.exec(line);
    if (!name) return;
    // The declaring call is the nearest one at or above the name; its properties end where the next call starts.
    const declarationLine = declarations.filter((d) => d <= i && d >= i - 6).pop() ?? i;
    const nextDeclaration = declarations.find((d) => d > declarationLine) ?? lines.length;
    const body = lines.slice(declarationLine, Math.min(nextDeclaration, i + 8)).join("\n");
    const weight = /\bweight\s*:\s*(-?[\d.]+)/.exec(body);
    const kind = /\bkind\s*:\s*["'`](\w+)["'`]/.exec(body);
    rewards.push({ name: name[1], line: i, declarationLine, weight: weight ? Number(weight[1]) : undefined, kind: kind?.[1] });
  });
  return rewards;
}

