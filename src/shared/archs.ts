// The architectures, one registry entry each: their prunable layers' widths, from which the views (layer lists,
// renderer/src/analysis/nets.ts) and the snapshot format (every tensor's shape, store/snapshot-arch.ts) derive the
// layers. The engine builds the nets (engine/nets: LeNet for no conv layers, Conv-N otherwise) with the same widths,
// which tests/unit/archs.test.ts checks. Adding an architecture: its name in config.ts's ARCHS, its entry here (the
// type requires it), and, for a new family, its net in engine/nets.
import type { ArchName } from './config';

export interface ArchEntry {
  /** Output channels of the 3x3 conv layers (padding 'same'), a 2x2 max pool after each pair; none for an MLP. */
  convs: readonly number[];
  /** Units of the hidden fully connected layers; the output layer (one unit per class) follows them. */
  hidden: readonly number[];
}

/** LeNet-300-100 (LeCun et al. 1998) and Frankle & Carbin's Conv-2/4/6/8 (2019, Figure 2). */
export const ARCH_ENTRIES: { readonly [A in ArchName]: ArchEntry } = {
  'lenet-300-100': { convs: [], hidden: [300, 100] },
  'conv-2': { convs: [64, 64], hidden: [256, 256] },
  'conv-4': { convs: [64, 64, 128, 128], hidden: [256, 256] },
  'conv-6': { convs: [64, 64, 128, 128, 256, 256], hidden: [256, 256] },
  'conv-8': { convs: [64, 64, 128, 128, 256, 256, 512, 512], hidden: [256, 256] },
};

/** The entry of an architecture name, or undefined for one this version does not know. */
export function archEntry(arch: string | null | undefined): ArchEntry | undefined {
  return arch && Object.hasOwn(ARCH_ENTRIES, arch) ? ARCH_ENTRIES[arch as ArchName] : undefined;
}

/** The names of an entry's prunable layers in forward order: conv1 … convN, then fc1 … fc(hidden + 1). */
export function layerNames(e: ArchEntry): { convs: string[]; dense: string[] } {
  return { convs: e.convs.map((_, i) => `conv${i + 1}`), dense: [...e.hidden, 0].map((_, i) => `fc${i + 1}`) };
}
