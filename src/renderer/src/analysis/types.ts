// What every analysis view gets from the app shell (App.tsx).
import type { Api } from '../../../shared/contract';
import type { ViewId } from '../app/routes';

export interface AnalysisViewProps {
  api: Api;
  /** The route's argument (#/<view>/<arg>): a state reference or run id the view starts from, when given. */
  arg: string | null;
  navigate: (view: ViewId, arg?: string | null, replace?: boolean) => void;
  /** Increments when the connection to the core is re-established (refetch lists then). */
  epoch: number;
  onError: (message: string) => void;
}
