/**
 * Chart colours from the VS Code theme. Canvas drawing needs concrete colours, so they are read
 * from the --vscode-* variables and read again when the theme changes (the body's class changes).
 */
export interface Palette {
  /** Changes with the theme: charts rebuild when it does. */
  id: string;
  series: string[];
  foreground: string;
  grid: string;
  font: string;
}

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const series = [
    css("--vscode-charts-blue", "#3794ff"),
    css("--vscode-charts-orange", "#d18616"),
    css("--vscode-charts-green", "#89d185"),
    css("--vscode-charts-purple", "#b180d7"),
    css("--vscode-charts-red", "#f14c4c"),
    css("--vscode-charts-yellow", "#cca700"),
  ];
  const foreground = css("--vscode-descriptionForeground", "#8b949e");
  const grid = css("--vscode-editorWidget-border", css("--vscode-panel-border", "#80808040"));
  const font = `11px ${css("--vscode-font-family", "sans-serif")}`;
  return { id: [document.body.className, ...series, foreground, grid].join("|"), series, foreground, grid, font };
}

/** Calls `onChange` when the theme changes. */
export function onThemeChange(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-id"] });
}
