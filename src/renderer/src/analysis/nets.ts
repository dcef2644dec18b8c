// What the views need to know about a stored state's network and data set before any analysis result arrives: the
// class names (for the class pickers) and the prunable layers with their unit counts (for the layer and unit
// pickers). The layers come from the shared architecture registry (shared/archs.ts); the class names mirror
// engine/data/registry.ts, which the renderer cannot import. A result, when there is one, is always the authority (its
// class name, layer and unit counts).
import { archEntry, layerNames } from '../../../shared/archs';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const CLASS_NAMES: Record<string, readonly string[]> = {
  mnist: DIGITS,
  'synthetic-mnist': DIGITS,
  'fashion-mnist': FASHION,
  cifar10: CIFAR10,
  'synthetic-cifar': CIFAR10,
};

/** The class names of a data set, by index (digits for MNIST-shaped sets); ten numbered classes when unknown. */
export function classNamesOf(dataset: string | null | undefined): readonly string[] {
  return (dataset && CLASS_NAMES[dataset]) || DIGITS;
}

/** The analyses' default class: "dog" where the data set has one, else class 5 (as the core's default). */
export function defaultClassIndex(names: readonly string[]): number {
  const dog = names.indexOf('dog');
  return dog >= 0 ? dog : Math.min(5, names.length - 1);
}

/** "dog (5)", "5": a class as pickers and labels show it. */
export function classLabel(names: readonly string[], index: number): string {
  const name = names[index];
  return name === undefined || name === String(index) ? String(index) : `${name} (${index})`;
}

export interface NetLayer {
  name: string;
  kind: 'conv' | 'dense';
  /** Output channels (conv) or units (dense). */
  units: number;
}

/** The prunable layers of an architecture, in order (conv1 … fc3 for Conv-N; fc1, fc2, fc3 for LeNet-300-100). */
export function layersOf(arch: string | null | undefined, numClasses = 10): NetLayer[] {
  const e = archEntry(arch);
  if (!e) return [];
  const names = layerNames(e);
  return [
    ...e.convs.map((units, i): NetLayer => ({ name: names.convs[i]!, kind: 'conv', units })),
    ...[...e.hidden, numClasses].map((units, i): NetLayer => ({ name: names.dense[i]!, kind: 'dense', units })),
  ];
}
