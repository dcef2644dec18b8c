// Views that are planned but not built: each says so plainly, what it will show, and what it needs. No fake data.
import type { ViewId } from '../app/routes';

interface Plan {
  title: string;
  shows: string[];
  needs: string;
}

export const PLANS: Partial<Record<ViewId, Plan>> = {
  subcircuit: {
    title: 'Subcircuit',
    shows: [
      'The class subcircuit of a stored state (e.g. "dog" on CIFAR-10) as a layered graph: units as nodes per layer, surviving connections as edges with width by attribution.',
      'A slider for the edge budget, a class filter, and hover or click for a unit’s details.',
      'Two states switched or overlaid (weights at init vs. trained), shared and unique units coloured.',
    ],
    needs: 'the subcircuit analysis (`ticketscope analyze subcircuit`), which this version of the engine does not provide yet.',
  },
  activations: {
    title: 'Activation maps',
    shows: [
      'For one unit: a grid of images of the class of interest with its activation map overlaid, and its top-activating images.',
      'The same unit in other states (init, rewind, trained, ticket at init) side by side; Grad-CAM for the class.',
    ],
    needs: 'the activation analysis (`ticketscope analyze activations`), not in this version yet.',
  },
  selectivity: {
    title: 'Selectivity',
    shows: [
      'Per layer, the histogram of unit AUROC for the class of interest in each state, against the permutation null.',
      'The most selective unit marked with its p-value, and the linear-probe accuracy per layer.',
    ],
    needs: 'the selectivity analysis (`ticketscope analyze selectivity`), not in this version yet.',
  },
  overlap: {
    title: 'Mask overlap',
    shows: [
      'Per-layer bars of the Jaccard index between two masks (e.g. the mask chosen at initialisation vs. the IMP mask) against its chance value at the same densities.',
      'The round-by-round overlap matrix as a heatmap, and a pixel view of one layer’s weight matrix coloured by kept in both / only in A / only in B.',
    ],
    needs: 'the overlap analysis (`ticketscope analyze overlap`), not in this version yet. Masks of every round are already stored, so no experiment has to be re-run.',
  },
  multigraph: {
    title: 'Multigraph',
    shows: [
      'The parallel-edge (multigraph) network, the target function, the mask found by pruning alone, and the approximation error against the number of parallel edges K.',
    ],
    needs: 'the multigraph demonstration (`ticketscope analyze multigraph`), not in this version yet.',
  },
};

export function PlaceholderView({ view }: { view: ViewId }) {
  const plan = PLANS[view];
  if (!plan) return null;
  return (
    <div className="placeholder-view" data-testid={`view-${view}`} data-placeholder="true">
      <h2>{plan.title}</h2>
      <p className="not-yet" role="status">
        <b>Not available yet.</b> Nothing is shown here until the analysis exists: this view never draws made-up data.
      </p>
      <h3>What it will show</h3>
      <ul>
        {plan.shows.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <h3>What it needs</h3>
      <p>{renderCode(plan.needs)}</p>
      <p className="muted">
        Meanwhile: the <a href="#/lottery">Lottery plot</a> compares tickets with their controls, and each run’s masks and
        weights can be exported as a safetensors snapshot (<code>ticketscope export RUN:ROUND --out FILE</code>) for analysis
        elsewhere.
      </p>
    </div>
  );
}

/** `code` spans in a plain sentence. */
function renderCode(text: string) {
  return text.split(/(`[^`]+`)/).map((part, i) => (part.startsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : part));
}
