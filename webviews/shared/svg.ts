/**
 * Small drawings (bars, distributions, icons) as SVG attributes, never inline styles, so they
 * draw under any Content-Security-Policy. A labelled image says what it shows twice: as a
 * title (the tooltip) and as its aria-label (screen readers).
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** An `<svg>` of `width` × `height` user units at that size in pixels, labelled. */
export function svgImage(
  width: number,
  height: number,
  className: string,
  label: string,
): SVGSVGElement {
  const svg = svgElement('svg', {
    width: String(width),
    height: String(height),
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: className,
    'aria-label': label,
  });
  const title = svgElement('title');
  title.textContent = label;
  svg.append(title);
  return svg;
}
