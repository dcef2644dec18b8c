// The page frame of the analysis views over stored states (selectivity, activation maps, subcircuit, mask overlap):
// the view's <main> with its test id; while the states are first listed (when the view asks for it), a line; when
// listing them failed, the error with Retry; when they hold nothing to analyse, the view's empty state; else the
// view's content with the markers tests and tools wait on: data-loading, data-ready and the view's own data-*.
import type { ReactNode } from 'react';
import { AnalysisEmpty, AnalysisError } from './AnalysisStatus';
import type { StatesState } from './useStates';

export type PageMarkers = Record<`data-${string}`, string | number>;

export interface AnalysisPageProps {
  /** The view: its page's data-testid is `view-<view>`, its empty state's `<view>-empty`. */
  view: string;
  /** Classes of the page with content, after "main page" (default: av-view, the analysis views' layout). */
  className?: string;
  states: StatesState;
  /**
   * The stored states hold nothing this view can analyse, so the empty state replaces the content (default: the
   * list has arrived and no state has weights).
   */
  empty?: boolean;
  emptyTitle: string;
  /** What is missing and what to do, under the empty state's title. */
  emptyText: ReactNode;
  /** Show "Loading stored states…" instead of the (empty) controls until the first list arrives. */
  waitForStates?: boolean;
  /** data-testid of the error shown when listing the states failed. */
  statesErrorTestId?: string;
  /** A computation is pending (data-loading). */
  loading: boolean;
  /** What the page shows is the answer for what it shows it for (data-ready). */
  ready: boolean;
  /** The view's own markers, e.g. { 'data-states': 'r1:0:init r1:1:trained' }. */
  markers?: PageMarkers;
  children: ReactNode;
}

export function AnalysisPage(props: AnalysisPageProps) {
  const { view, className = 'av-view', states, emptyTitle, emptyText, waitForStates, statesErrorTestId = 'states-error', loading, ready, markers, children } = props;
  const testId = `view-${view}`;
  const empty = props.empty ?? (!states.loading && !states.states.some((s) => s.hasWeights));
  if (waitForStates && states.loading && !states.states.length) {
    return (
      <main className="main page" data-testid={testId} data-loading="true">
        <p className="muted">Loading stored states…</p>
      </main>
    );
  }
  if (states.error && !states.states.length) {
    return (
      <main className="main page" data-testid={testId}>
        <AnalysisError what="Listing stored states" message={states.error} onRetry={states.reload} testId={statesErrorTestId} />
      </main>
    );
  }
  if (empty) {
    return (
      <main className="main page" data-testid={testId}>
        <AnalysisEmpty title={emptyTitle} testId={`${view}-empty`}>
          {emptyText}
        </AnalysisEmpty>
      </main>
    );
  }
  return (
    <main className={`main page ${className}`} data-testid={testId} data-loading={loading ? 'true' : 'false'} data-ready={ready ? 'true' : 'false'} {...markers}>
      {children}
    </main>
  );
}
