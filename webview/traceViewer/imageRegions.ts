/**
 * An image with its regions drawn over it: ground truth solid, predicted dashed with their IoU.
 * Boxes are scaled from their frame (pixel, 0..1000, 0..1) once the image's natural size is known.
 */
import type { ViewerImage, ViewerRegion } from "../../src/protocol/traceViewer";
import { el, svg } from "./dom";

export interface RegionHover {
  /** Called with the region's index in the sample's `regions` (or null when the pointer leaves). */
  onRegionHover(regionIndex: number | null): void;
}

export function imageWithRegions(image: ViewerImage, imageIndex: number, regions: readonly ViewerRegion[], hover: RegionHover): HTMLElement {
  const figure = el("figure", "stage");
  if (!image.src) {
    figure.append(el("div", "missing-image", `Image not available: ${image.path} (only images inside the workspace are shown)`));
    return figure;
  }
  const frame = el("div", "stage-frame");
  const img = el("img");
  img.alt = image.path;
  img.src = image.src;
  const overlay = svg("svg", { class: "regions", preserveAspectRatio: "none" });
  frame.append(img, overlay);
  figure.append(frame, el("figcaption", undefined, image.path));
  const draw = () => {
    const width = img.naturalWidth;
    const height = img.naturalHeight;
    overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
    regions.forEach((region, regionIndex) => {
      if (region.image !== imageIndex) return;
      overlay.append(regionShape(region, regionIndex, width, height, hover));
    });
  };
  if (img.complete && img.naturalWidth) draw();
  else img.addEventListener("load", draw, { once: true });
  img.addEventListener("error", () => figure.replaceChildren(el("div", "missing-image", `Image could not be loaded: ${image.path}`)), { once: true });
  return figure;
}

function regionShape(region: ViewerRegion, regionIndex: number, width: number, height: number, hover: RegionHover): SVGGElement {
  const [x1, y1, x2, y2] = toPixels(region, width, height);
  const group = svg("g", { class: `region ${region.source}`, "data-region": regionIndex });
  const rect = svg("rect", { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1), "vector-effect": "non-scaling-stroke" });
  const caption = [region.label, region.source === "predicted" && region.iou !== undefined ? `IoU ${region.iou.toFixed(2)}` : undefined].filter(Boolean).join(" · ");
  const title = svg("title");
  title.textContent = `${region.source === "truth" ? "ground truth" : "predicted"}${caption ? `: ${caption}` : ""} [${region.box.join(", ")}] (${region.frame})`;
  group.append(title, rect);
  if (caption) {
    const text = svg("text", { x: x1 + 2, y: region.source === "truth" ? y1 - 3 : y2 + Math.max(10, height * 0.05), "font-size": Math.max(8, Math.round(height * 0.05)) });
    text.textContent = caption;
    group.append(text);
  }
  group.addEventListener("mouseenter", () => hover.onRegionHover(regionIndex));
  group.addEventListener("mouseleave", () => hover.onRegionHover(null));
  return group;
}

function toPixels(region: ViewerRegion, width: number, height: number): [number, number, number, number] {
  const [x1, y1, x2, y2] = region.box;
  const sx = region.frame === "norm1000" ? width / 1000 : region.frame === "norm1" ? width : 1;
  const sy = region.frame === "norm1000" ? height / 1000 : region.frame === "norm1" ? height : 1;
  return [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
}
