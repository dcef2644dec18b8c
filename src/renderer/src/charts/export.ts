// Export a chart as a standalone SVG or PNG, or a table as CSV, through a download (Electron asks where to save).
// Charts draw with explicit colours and fonts (no CSS variables), so the serialised SVG looks the same anywhere.

/** Saves a Blob under a file name via a temporary `<a download>`. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The chart as standalone SVG text: hover layers (class `no-export`) removed, namespaces and size set. */
export function svgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  for (const el of clone.querySelectorAll('.no-export')) el.remove();
  const w = svg.width.baseVal.value || svg.getBoundingClientRect().width;
  const h = svg.height.baseVal.value || svg.getBoundingClientRect().height;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.setAttribute('viewBox', `0 0 ${w} ${h}`);
  clone.removeAttribute('class');
  clone.removeAttribute('style');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}

export function exportSvg(svg: SVGSVGElement, filename: string): void {
  download(new Blob([svgText(svg)], { type: 'image/svg+xml;charset=utf-8' }), filename);
}

/** Rasterises the chart at `scale` x its size (2 = crisp on high-DPI screens and in papers). */
export function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const text = svgText(svg);
  const w = svg.width.baseVal.value || svg.getBoundingClientRect().width;
  const h = svg.height.baseVal.value || svg.getBoundingClientRect().height;
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }));
  return new Promise<Blob>((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        reject(new Error('no 2D canvas context'));
        return;
      }
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, w, h);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the chart could not be rasterised'));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

export async function exportPng(svg: SVGSVGElement, filename: string, scale = 2): Promise<void> {
  download(await svgToPng(svg, scale), filename);
}

/** Saves a canvas view as PNG, at the canvas's pixel size; `onError` hears when it cannot be encoded. */
export function exportCanvasPng(canvas: HTMLCanvasElement, filename: string, onError: (message: string) => void): void {
  canvas.toBlob((b) => (b ? download(b, filename) : onError('PNG export failed: the canvas could not be encoded')), 'image/png');
}

export function exportCsv(text: string, filename: string): void {
  download(new Blob([text], { type: 'text/csv;charset=utf-8' }), filename);
}

/** A file-name-safe stem, e.g. "quick imp" -> "quick-imp". */
export function fileStem(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 120);
}
