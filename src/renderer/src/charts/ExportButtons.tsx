// The PNG / SVG / CSV buttons in a chart card's corner (charts/export.ts does the work), and the card itself. Errors
// go to `onError`.
import type { ReactNode, RefObject } from 'react';
import { errorMessage } from '../api';
import { download, exportCsv, exportPng, exportSvg } from './export';

export interface ExportButtonsProps {
  /** The chart's SVG (PNG and SVG buttons appear when given). */
  svgRef?: RefObject<SVGSVGElement | null>;
  /** A PNG made some other way (a canvas view); replaces the SVG-based PNG. */
  png?: () => Promise<Blob>;
  /** CSV text, made on click. */
  csv?: () => string;
  /** File name without extension. */
  stem: string;
  /** data-testid prefix: `${testId}-png`, `-svg`, `-csv`. */
  testId: string;
  onError: (message: string) => void;
  /** What the files hold, for the buttons' titles, e.g. "the per-layer Jaccard chart". */
  what: string;
  /** Text of the CSV button (default "CSV"), to tell several apart, e.g. "CSV samples". */
  csvLabel?: string;
}

export function ExportButtons({ svgRef, png, csv, stem, testId, onError, what, csvLabel = 'CSV' }: ExportButtonsProps) {
  const doPng = () => {
    if (png) {
      png().then(
        (blob) => download(blob, `${stem}.png`),
        (e: unknown) => onError(`PNG export failed: ${errorMessage(e)}`),
      );
      return;
    }
    const svg = svgRef?.current;
    if (svg) exportPng(svg, `${stem}.png`).catch((e: unknown) => onError(`PNG export failed: ${errorMessage(e)}`));
  };
  return (
    <span className="chart-tools-inline">
      {(png || svgRef) && (
        <button type="button" className="btn small" onClick={doPng} data-testid={`${testId}-png`} title={`Save ${what} as PNG (2x)`}>
          PNG
        </button>
      )}
      {svgRef && !png && (
        <button
          type="button"
          className="btn small"
          onClick={() => svgRef.current && exportSvg(svgRef.current, `${stem}.svg`)}
          data-testid={`${testId}-svg`}
          title={`Save ${what} as SVG`}
        >
          SVG
        </button>
      )}
      {csv && (
        <button type="button" className="btn small" onClick={() => exportCsv(csv(), `${stem}.csv`)} data-testid={`${testId}-csv`} title={`Save ${what} as CSV`}>
          {csvLabel}
        </button>
      )}
    </span>
  );
}

/** A chart in its card, with its export buttons in the top-right corner; `className` adds to "chart-card". */
export function ChartCard({ className, children, ...exportProps }: ExportButtonsProps & { className?: string; children: ReactNode }) {
  return (
    <figure className={className ? `chart-card ${className}` : 'chart-card'}>
      <div className="chart-tools">
        <ExportButtons {...exportProps} />
      </div>
      {children}
    </figure>
  );
}
