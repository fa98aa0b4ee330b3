/**
 * What the panels' vega-lite charts share: colours read from VS Code's theme when a chart is
 * drawn (vega cannot read CSS variables), so light, dark and high-contrast themes all read well.
 */

/** A theme colour (VS Code sets them on <html>). */
export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Axis, legend and view settings in the current theme's colours. */
export function chartConfig(): Record<string, unknown> {
  const muted = themeColor('--vscode-descriptionForeground', '#9d9d9d');
  const text = themeColor('--vscode-foreground', '#cccccc');
  return {
    axis: {
      labelColor: muted,
      titleColor: muted,
      gridColor: 'rgba(128,128,128,0.2)',
      domainColor: '#888',
      tickColor: '#888',
      titleFontWeight: 'normal',
      labelFontSize: 11,
    },
    legend: {
      labelColor: text,
      titleColor: muted,
      orient: 'top',
      title: null,
      labelFontSize: 12,
      symbolType: 'square',
      symbolOpacity: 1,
    },
    view: { stroke: 'transparent' },
  };
}
