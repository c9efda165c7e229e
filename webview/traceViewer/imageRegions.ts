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

/** Zoom steps of the image (times its fitted size). */
const ZOOMS = [1, 2, 3, 4];

export function imageWithRegions(image: ViewerImage, imageIndex: number, regions: readonly ViewerRegion[], hover: RegionHover): HTMLElement {
  const figure = el("figure", "stage");
  if (!image.src) {
    figure.append(el("div", "missing-image", `Image not available: ${image.path} (only images inside the workspace are shown)`));
    return figure;
  }
  const scroller = el("div", "stage-scroll");
  const frame = el("div", "stage-frame");
  const img = el("img");
  img.alt = image.path;
  img.src = image.src;
  const overlay = svg("svg", { class: "regions", preserveAspectRatio: "none" });
  // Labels are HTML over the image, in screen pixels: SVG text would scale with a 64 px image.
  const labels = el("div", "region-labels");
  frame.append(img, overlay, labels);
  scroller.append(frame);
  const mine = regions.map((region, regionIndex) => ({ region, regionIndex })).filter(({ region }) => region.image === imageIndex);
  let zoom = 0;
  const zoomOut = zoomButton("−", "Zoom out");
  const zoomIn = zoomButton("+", "Zoom in (small images are drawn pixel by pixel)");
  const zoomLabel = el("span", "zoom-label");
  const tools = el("div", "stage-tools");
  tools.append(zoomOut, zoomLabel, zoomIn);
  figure.append(tools, scroller, el("figcaption", undefined, image.path));
  if (mine.length > 0) figure.append(regionList(mine, hover));
  /** Sizes the image for the zoom and keeps the labels LABEL_PX high on screen. */
  const layout = () => {
    if (!img.naturalWidth) return;
    const fitted = Math.min(360, Math.max(240, img.naturalWidth));
    img.style.width = `${fitted * ZOOMS[zoom]}px`;
    zoomLabel.textContent = `${ZOOMS[zoom]}×`;
    zoomOut.disabled = zoom === 0;
    zoomIn.disabled = zoom === ZOOMS.length - 1;
    figure.classList.toggle("pixelated", img.naturalWidth * 2 <= fitted * ZOOMS[zoom]);
  };
  zoomOut.addEventListener("click", () => {
    zoom = Math.max(0, zoom - 1);
    layout();
  });
  zoomIn.addEventListener("click", () => {
    zoom = Math.min(ZOOMS.length - 1, zoom + 1);
    layout();
  });
  const draw = () => {
    const width = img.naturalWidth;
    const height = img.naturalHeight;
    overlay.setAttribute("viewBox", `0 0 ${width} ${height}`);
    for (const { region, regionIndex } of mine) {
      overlay.append(regionShape(region, regionIndex, width, height, hover));
      const label = regionLabel(region, regionIndex, width, height);
      if (label) labels.append(label);
    }
    layout();
  };
  if (img.complete && img.naturalWidth) draw();
  else img.addEventListener("load", draw, { once: true });
  img.addEventListener("error", () => figure.replaceChildren(el("div", "missing-image", `Image could not be loaded: ${image.path}`)), { once: true });
  return figure;
}

function zoomButton(text: string, title: string): HTMLButtonElement {
  const button = el("button", "zoom-button", text);
  button.type = "button";
  button.title = title;
  button.setAttribute("aria-label", title);
  return button;
}

/** What a region says: its label and, for a predicted box, its IoU with the truth. */
function captionOf(region: ViewerRegion): string {
  return [region.label, region.source === "predicted" && region.iou !== undefined ? `IoU ${region.iou.toFixed(2)}` : undefined].filter(Boolean).join(" · ");
}

/**
 * The regions as a list beside the image: always readable, however many boxes overlap. Hovering
 * an entry highlights its box and the text that wrote it (and the other way round).
 */
function regionList(regions: readonly { region: ViewerRegion; regionIndex: number }[], hover: RegionHover): HTMLElement {
  const list = el("ul", "region-list");
  for (const { region, regionIndex } of regions) {
    const item = el("li", `region-item ${region.source}`);
    item.dataset.region = String(regionIndex);
    item.append(el("span", `swatch ${region.source}`), el("span", undefined, `${captionOf(region) || (region.source === "truth" ? "ground truth" : "predicted")} [${region.box.join(",")}]`));
    item.addEventListener("mouseenter", () => hover.onRegionHover(regionIndex));
    item.addEventListener("mouseleave", () => hover.onRegionHover(null));
    list.append(item);
  }
  return list;
}

/**
 * A region's label, placed at its box (above it for the truth, below for a prediction) in percent of
 * the image, so it follows zoom while its text stays the viewer's font size. Shown while the region
 * is hovered or highlighted; the list beside the image names every region at once.
 */
function regionLabel(region: ViewerRegion, regionIndex: number, width: number, height: number): HTMLElement | null {
  const caption = captionOf(region);
  if (!caption) return null;
  const [x1, y1, , y2] = toPixels(region, width, height);
  const label = el("span", `region-label ${region.source}`, caption);
  label.dataset.region = String(regionIndex);
  label.style.left = `${(100 * x1) / width}%`;
  // Above a truth box unless that would leave the image (a box at its top edge).
  if (region.source === "truth" && y1 / height > 0.15) label.style.bottom = `${100 - (100 * y1) / height}%`;
  else label.style.top = `${(100 * y2) / height}%`;
  return label;
}

function regionShape(region: ViewerRegion, regionIndex: number, width: number, height: number, hover: RegionHover): SVGGElement {
  const [x1, y1, x2, y2] = toPixels(region, width, height);
  const group = svg("g", { class: `region ${region.source}`, "data-region": regionIndex });
  const rect = svg("rect", { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1), "vector-effect": "non-scaling-stroke" });
  const caption = captionOf(region);
  const title = svg("title");
  title.textContent = `${region.source === "truth" ? "ground truth" : "predicted"}${caption ? `: ${caption}` : ""} [${region.box.join(", ")}] (${region.frame})`;
  group.append(title, rect);
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
