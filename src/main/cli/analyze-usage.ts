// The `analyze` command's kinds and usage text (kept apart from analyze.ts so argument parsing loads no core code).
export const ANALYZE_KINDS = ['overlap', 'selectivity', 'activations', 'subcircuit', 'multigraph'] as const;

export const ANALYZE_USAGE = `  analyze overlap A B                          mask overlap of two states, per layer, against chance
  analyze overlap S1 S2 S3... | --rounds RUN | --seeds EXPERIMENT [--round N]
                                               overlap matrix (every round's mask of a run; every seed)
  analyze selectivity STATE... [--class dog] [--permutations 20] [--threshold 0.9] [--split test]
                               [--limit N] [--no-probe] [--seed S]
                                               AUROC of every unit for a class, permutation null, probe
  analyze activations STATE... --layer L --unit U [--class dog] [--images 16] [--top 16] [--gradcam-layer L]
                                               a unit's activation maps, top images and Grad-CAM
  analyze subcircuit STATE [--compare STATE] [--class dog] [--units 12] [--edges 2000] [--images 256]
                                               the class subcircuit (activation x gradient attribution)
  analyze multigraph [--target xor|random] [--variant base2|random] [--k-max 12] [--k K] [--seed S]
                                               subset-sum masks over K parallel edges vs a target net`;
