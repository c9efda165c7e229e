/**
 * Tiny DOM helpers. Text always goes in through `textContent` (never innerHTML): trace text is
 * model output and may contain markup such as `<img onerror=...>` or `</script>`.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K];
export function el(tag: string, className?: string, text?: string): HTMLElement;
export function el(tag: string, className?: string, text?: string): HTMLElement {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** 2 decimals, "–" for null, a sign when asked. */
export function formatScore(value: number | null | undefined, signed = false): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const text = value.toFixed(2);
  return signed && value > 0 ? `+${text}` : text;
}

export function clear(element: Element): void {
  while (element.firstChild) element.firstChild.remove();
}
