// The pinned-circuit file and the view's hand-pinned set (src/shared/pinned-circuit.ts): parsing with one clear line,
// a pinned unit standing for every connection into and out of it, and fitting a file to a net's layers.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/shared/errors';
import { parsePinnedCircuit, pinnedCircuit, pinnedMismatch, pinnedOfFile, PINNED_CIRCUIT_FORMAT } from '../../src/shared/pinned-circuit';

const layers = [
  { name: 'input', size: 3 },
  { name: 'conv1', size: 4 },
  { name: 'fc1', size: 2 },
  { name: 'fc2', size: 10 },
];
const file = (o: object) => JSON.stringify({ format: PINNED_CIRCUIT_FORMAT, state: 'r1:1:trained', circuit: { connections: [{ layer: 'fc1', from: 1, to: 0 }] }, ...o });

describe('pinned-circuit files', () => {
  it('reads the view’s export and the first-k export (connections only)', () => {
    const f = parsePinnedCircuit(file({}));
    expect(f.state).toBe('r1:1:trained');
    expect(pinnedOfFile(f)).toEqual({ units: [], connections: [{ layer: 'fc1', from: 1, to: 0 }] });
    const withPins = parsePinnedCircuit(file({ pinned: { units: [{ layer: 'conv1', unit: 2 }], connections: [] } }));
    expect(pinnedOfFile(withPins).units).toEqual([{ layer: 'conv1', unit: 2 }]);
  });

  it('gives one line for what is wrong', () => {
    const line = (text: string) => {
      try {
        parsePinnedCircuit(text, 'c.json');
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(line('{not json')).toBe('c.json is not JSON');
    expect(line(JSON.stringify({ format: 'ticketscope.other/1' }))).toMatch(/^c\.json is not a pinned circuit/);
    expect(line(file({ circuit: { connections: [{ layer: 'fc1', from: -1, to: 0 }] } }))).toMatch(/^c\.json: circuit\.connections\.0\.from: /);
    expect(line(file({ circuit: {} }))).toBe('c.json: the circuit names no unit, connection or weight');
    for (const m of ['{not json', file({ circuit: { bogus: 1 } })]) expect(line(m)).not.toContain('\n');
  });

  it('the view does not pin unit ablations or single weights', () => {
    expect(() => pinnedOfFile(parsePinnedCircuit(file({ circuit: { weights: [{ layer: 'fc1', index: 3 }] } })))).toThrow(/analyze circuit/);
  });
});

describe('a pinned set as a circuit', () => {
  it('a unit stands for every connection into and out of it, merged with the pinned connections', () => {
    const c = pinnedCircuit(layers, { units: [{ layer: 'conv1', unit: 2 }], connections: [{ layer: 'fc1', from: 2, to: 1 }, { layer: 'fc2', from: 0, to: 5 }] });
    const keys = c.connections!.map((e) => `${e.layer}:${e.from}>${e.to}`);
    // 3 input channels into conv1 #2, conv1 #2 out to both fc1 units (one of them also pinned), and the fc2 connection.
    expect(keys).toEqual(['conv1:0>2', 'conv1:1>2', 'conv1:2>2', 'fc1:2>0', 'fc1:2>1', 'fc2:0>5']);
  });

  it('an input unit has only outgoing connections, an output unit only incoming ones', () => {
    expect(pinnedCircuit(layers, { units: [{ layer: 'input', unit: 1 }], connections: [] }).connections).toHaveLength(4);
    expect(pinnedCircuit(layers, { units: [{ layer: 'fc2', unit: 7 }], connections: [] }).connections).toEqual([
      { layer: 'fc2', from: 0, to: 7 },
      { layer: 'fc2', from: 1, to: 7 },
    ]);
  });

  it('names what does not fit the net', () => {
    expect(pinnedMismatch(layers, { units: [{ layer: 'conv1', unit: 3 }], connections: [{ layer: 'fc1', from: 3, to: 1 }] })).toBeNull();
    expect(pinnedMismatch(layers, { units: [{ layer: 'conv2', unit: 0 }], connections: [] })).toMatch(/layer conv2 is not in this net/);
    expect(pinnedMismatch(layers, { units: [{ layer: 'conv1', unit: 4 }], connections: [] })).toMatch(/unit 4 out of range/);
    expect(pinnedMismatch(layers, { units: [], connections: [{ layer: 'input', from: 0, to: 0 }] })).toMatch(/not a weight layer/);
    expect(pinnedMismatch(layers, { units: [], connections: [{ layer: 'fc1', from: 4, to: 0 }] })).toMatch(/out of range/);
  });
});
