// The architecture registry (shared/archs.ts) is what the engine builds: every architecture's net, on MNIST- and
// CIFAR-shaped inputs, has exactly the layers (names and weight shapes in tfjs layout) that the snapshot format
// (store/snapshot-arch.ts) derives from the registry; the views derive theirs the same way (analysis/nets.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCHS } from '../../src/shared/config';
import { selectBackend } from '../../src/main/engine/backend';
import { buildNet } from '../../src/main/engine/nets/factory';
import { archLayers, type ImageShape } from '../../src/main/store/snapshot-arch';

describe('architecture registry', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  const inputs: ImageShape[] = [
    [28, 28, 1],
    [32, 32, 3],
  ];
  for (const arch of ARCHS) {
    for (const input of inputs) {
      it(`${arch} on ${input.join('x')}: the engine's layers are the registry's`, () => {
        const net = buildNet({ arch, seed: 1, inputShape: input, numClasses: 10 });
        try {
          const built = net.layers.map((l) => ({ name: l.name, shape: l.weight.shape }));
          expect(built).toEqual(archLayers(arch, input).map((l) => ({ name: l.name, shape: l.tfjsShape })));
        } finally {
          net.dispose();
        }
      });
    }
  }
});
