// Malformed snapshot files, each rejected with a one-line ValidationError that names the file and the problem.
import { describe, expect, it } from 'vitest';
import { writeNpy, writeNpyString } from '../../src/main/store/npz';
import { encodeSnapshot, readSnapshot } from '../../src/main/store/snapshot';
import { readZip, writeZip } from '../../src/main/store/zip';
import { ValidationError } from '../../src/shared/errors';
import { makeSnapshot } from '../helpers/snapshot-fixtures';

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;

/** Splits a valid file into its header (as an object) and buffer. */
function split(bytes: Uint8Array): { header: Header; buf: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Header, buf: bytes.subarray(8 + n) };
}

/** A file from header text (or object) and buffer; `lengthField` overrides the header length written. */
function build(header: Header | string, buf: Uint8Array, lengthField?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + buf.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(buf, 8 + text.length);
  return out;
}

const masksOnly = encodeSnapshot(makeSnapshot('lenet-300-100', 'mnist', { keep: 0.3 }), { weights: false });
const withWeights = encodeSnapshot(makeSnapshot('lenet-300-100', 'mnist', { keep: 0.3 }));

/** Mutate a copy of the mask-only file's header (and optionally its buffer) and build the file again. */
function mutate(f: (h: Header, buf: Uint8Array) => unknown, base = masksOnly): Uint8Array {
  const { header, buf } = split(base);
  const copy = new Uint8Array(buf);
  const h = structuredClone(header);
  const r = f(h, copy);
  return build(h, r instanceof Uint8Array ? r : copy);
}

const entry = (h: Header, name: string) => h[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
const meta = (h: Header) => h.__metadata__ as Record<string, string>;

function rejects(bytes: Uint8Array, pattern: RegExp | string, name = 'bad.safetensors') {
  let err: unknown;
  try {
    readSnapshot(bytes, undefined, name);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection matching ${pattern}`).toBeInstanceOf(ValidationError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg.startsWith(`snapshot ${name}: `), msg).toBe(true);
  if (typeof pattern === 'string') expect(msg).toBe(`snapshot ${name}: ${pattern}`);
  else expect(msg).toMatch(pattern);
}

describe('malformed safetensors snapshots', () => {
  it('accepts the unmodified bases', () => {
    expect(readSnapshot(masksOnly).layers).toHaveLength(3);
    expect(readSnapshot(withWeights).layers[0]!.weight).toHaveLength(235200);
    expect(readSnapshot(mutate(() => undefined)).layers).toHaveLength(3);
  });

  it('truncated files', () => {
    rejects(masksOnly.subarray(0, masksOnly.length - 100), /file truncated: tensor data needs 266200 bytes after the header but only 266100 remain$/);
    rejects(masksOnly.subarray(0, 60), /^snapshot bad.safetensors: header length \d+ exceeds file size 60$/);
    rejects(masksOnly.subarray(0, 5), 'file is 5 bytes, too short for the 8-byte header length');
    rejects(new Uint8Array(0), 'file is 0 bytes, too short for the 8-byte header length');
  });

  it('a header longer than the file', () => {
    const { header, buf } = split(masksOnly);
    const bytes = build(header, buf, 999999n);
    rejects(bytes, `header length 999999 exceeds file size ${bytes.length}`);
    rejects(build(header, buf, 2n ** 63n), `header length 9223372036854775808 exceeds file size ${bytes.length}`);
  });

  it('overlapping offsets', () => {
    const bytes = mutate((h) => {
      const e = entry(h, 'fc2.mask');
      e.data_offsets = [e.data_offsets[0] - 10, e.data_offsets[1] - 10];
    });
    rejects(bytes, /tensors fc1.mask and fc2.mask overlap \(fc2.mask begins at 235190, fc1.mask ends at 235200\)$/);
  });

  it('a gap in offsets', () => {
    const bytes = mutate((h, buf) => {
      const e = entry(h, 'fc3.mask');
      e.data_offsets = [e.data_offsets[0] + 10, e.data_offsets[1] + 10];
      const grown = new Uint8Array(buf.length + 10);
      grown.set(buf.subarray(0, 265200));
      grown.set(buf.subarray(265200), 265210);
      return grown;
    });
    rejects(bytes, /gap of 10 bytes before tensor fc3.mask/);
  });

  it('trailing bytes after the last tensor', () => {
    rejects(mutate((_h, buf) => new Uint8Array([...buf, 1, 2, 3])), /3 unexpected bytes after the last tensor$/);
  });

  it('unknown and unsupported dtypes', () => {
    rejects(mutate((h) => (entry(h, 'fc1.mask').dtype = 'X9')), 'tensor fc1.mask: unknown dtype X9');
    rejects(mutate((h) => (entry(h, 'fc1.mask').dtype = 'F64')), /tensor fc1.mask: unsupported dtype F64/);
    rejects(mutate((h) => delete (entry(h, 'fc1.mask') as Partial<{ dtype: string }>).dtype), /tensor fc1.mask: dtype missing/);
  });

  it('a dtype that does not fit the parameter', () => {
    const bytes = mutate((h) => {
      const m = h['fc1.mask']!;
      h['fc1.mask'] = h['fc1.weight']!;
      h['fc1.weight'] = m;
    }, withWeights);
    rejects(bytes, 'tensor fc1.mask: dtype F32, expected U8');
  });

  it('a shape that does not match the architecture', () => {
    rejects(mutate((h) => (entry(h, 'fc1.mask').shape = [784, 300])), "tensor fc1.mask: shape [784, 300] does not match the architecture's [300, 784]");
    rejects(mutate((h) => (entry(h, 'fc2.mask').shape = [100, 300, 1])), /tensor fc2.mask: shape \[100, 300, 1\] does not match/);
  });

  it('shape × dtype size different from the offsets span', () => {
    rejects(
      mutate((h) => (entry(h, 'fc1.mask').shape = [300, 783])),
      'tensor fc1.mask: shape [300, 783] of U8 needs 234900 bytes but data_offsets [0, 235200] span 235200',
    );
    rejects(mutate((h) => (entry(h, 'fc1.mask').data_offsets = [235200, 0])), /data_offsets \[235200, 0\] end before they begin/);
    rejects(mutate((h) => (entry(h, 'fc1.mask').shape = [300, -784])), /tensor fc1.mask: shape is not a list of sizes/);
  });

  it('invalid JSON and non-object headers', () => {
    const { buf } = split(masksOnly);
    rejects(build('{"fc1.mask": {"dtype": "U8",', buf), /^snapshot bad.safetensors: header is not valid JSON \(.+\)$/);
    rejects(build('[1, 2]   ', new Uint8Array(0)), 'header is not a JSON object');
    const notUtf8 = build('{}      ', new Uint8Array(0));
    notUtf8[9] = 0xff;
    rejects(notUtf8, 'header is not valid UTF-8');
  });

  it('missing or wrong metadata', () => {
    rejects(mutate((h) => (meta(h).format = 'ticketscope.snapshot/2')), 'metadata format is "ticketscope.snapshot/2", expected "ticketscope.snapshot/1"');
    rejects(mutate((h) => delete h.__metadata__), 'no __metadata__ (not a Ticketscope snapshot)');
    rejects(mutate((h) => delete meta(h).arch), 'metadata is missing arch');
    rejects(mutate((h) => ((h.__metadata__ as unknown as Record<string, number>).round = 3)), '__metadata__.round is not a string (safetensors metadata values are strings)');
    rejects(mutate((h) => (meta(h).round = '-1')), 'metadata round "-1" is not a round number');
    rejects(mutate((h) => (meta(h).density = '1.5')), 'metadata density "1.5" is not a number in 0..1');
    rejects(mutate((h) => (meta(h).density = '0.9')), /metadata density 0.9 does not match the masks' density 0.3\d+$/);
    rejects(mutate((h) => (meta(h).config = '{"arch":')), /^snapshot bad.safetensors: metadata config is not valid JSON \(.+\)$/);
    rejects(mutate((h) => (meta(h).config = '{"arch":"conv-2"}')), 'metadata config.arch "conv-2" differs from metadata arch lenet-300-100');
    rejects(mutate((h) => (meta(h).createdAt = 'yesterday')), 'metadata createdAt "yesterday" is not a date');
    rejects(mutate((h) => ((meta(h).arch = 'resnet-50'), (meta(h).config = '{}'))), /metadata: unknown arch resnet-50 \(expected one of lenet-300-100, conv-2/);
    rejects(mutate((h) => ((meta(h).dataset = 'imagenet'), (meta(h).config = '{}'))), 'metadata: unknown dataset imagenet');
  });

  it('a malformed preprocessing (optional: a file without it is read as before)', () => {
    const good = '{"scale":255,"mean":[0.13],"std":[0.31],"source":"training split"}';
    expect(readSnapshot(mutate((h) => (meta(h).preprocessing = good))).meta.preprocessing).toEqual({ scale: 255, mean: [0.13], std: [0.31], source: 'training split' });
    expect(readSnapshot(masksOnly).meta.preprocessing).toBeUndefined();
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":')), /^snapshot bad.safetensors: metadata preprocessing is not valid JSON \(.+\)$/);
    rejects(mutate((h) => (meta(h).preprocessing = '[1]')), 'metadata preprocessing is not a JSON object');
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":0,"mean":[0.1],"std":[0.3]}')), 'metadata preprocessing scale 0 is not a positive number');
    // MNIST has one input channel: three constants are another data set's.
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":255,"mean":[0.1,0.2,0.3],"std":[0.3,0.3,0.3]}')), 'metadata preprocessing mean is not a list of 1 number (one per input channel)');
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":255,"mean":[0.1],"std":[0]}')), 'metadata preprocessing std has a value that is not positive');
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":255,"mean":[null],"std":[0.3]}')), 'metadata preprocessing mean is not a list of 1 number (one per input channel)');
    rejects(mutate((h) => (meta(h).preprocessing = '{"scale":255,"mean":[0.1],"std":[0.3],"source":7}')), 'metadata preprocessing source is not a string');
  });

  it('a shape mismatch when the metadata names another architecture', () => {
    rejects(mutate((h) => ((meta(h).arch = 'conv-2'), (meta(h).config = '{}'))), "tensor fc1.mask: shape [300, 784] does not match the architecture's [256, 12544]");
  });

  it('a mask with a value 2', () => {
    rejects(mutate((_h, buf) => (buf[5] = 2)), 'tensor fc1.mask: mask value 2 at index 5 (masks hold only 0 and 1)');
    const asBool = mutate((h, buf) => {
      entry(h, 'fc2.mask').dtype = 'BOOL';
      buf[235200 + 7] = 2;
    });
    rejects(asBool, 'tensor fc2.mask: BOOL value 2 at index 7');
  });

  it('bad tensor names and missing layers', () => {
    const rename = (from: string, to: string) =>
      mutate((h) => {
        h[to] = h[from]!;
        delete h[from];
      });
    rejects(rename('fc1.mask', 'fc1_mask'), 'tensor name "fc1_mask" is not <layer>.<mask|weight|weight_init|bias>');
    rejects(rename('fc1.mask', 'fc1.grad'), 'tensor name "fc1.grad" is not <layer>.<mask|weight|weight_init|bias>');
    rejects(rename('fc3.mask', 'fc4.mask'), 'tensor fc4.mask: lenet-300-100 has no layer fc4');
    const noFc3 = mutate((h, buf) => {
      delete h['fc3.mask'];
      return buf.subarray(0, 265200);
    });
    rejects(noFc3, 'layer fc3 has neither fc3.mask nor fc3.weight');
  });
});

describe('malformed npz snapshots', () => {
  const npz = encodeSnapshot(makeSnapshot('lenet-300-100', 'mnist', { keep: 0.3 }), { format: 'npz', weights: false });
  const members = () => readZip(npz);
  const rezip = (m: Map<string, Uint8Array>) => writeZip([...m].map(([name, data]) => ({ name, data })));
  const rejectsNpz = (bytes: Uint8Array, pattern: RegExp | string) => rejects(bytes, pattern, 'bad.npz');

  it('accepts the unmodified base, and a re-zipped copy', () => {
    expect(readSnapshot(npz).layers).toHaveLength(3);
    expect(readSnapshot(rezip(members())).layers).toHaveLength(3);
  });

  it('a bad zip', () => {
    rejectsNpz(new Uint8Array([0x50, 0x4b, 3, 4, ...new Array(100).fill(7)]), 'not a zip archive (no end-of-central-directory record)');
    rejectsNpz(npz.subarray(0, npz.length - 30), 'not a zip archive (no end-of-central-directory record)');
    const corrupt = new Uint8Array(npz);
    corrupt[500] = corrupt[500]! ^ 0xff; // inside fc1.mask.npy's data
    rejectsNpz(corrupt, 'member fc1.mask.npy: CRC-32 mismatch (corrupt data)');
    const badCd = new Uint8Array(npz);
    const eocd = badCd.length - 22;
    new DataView(badCd.buffer).setUint32(eocd + 16, badCd.length, true); // central directory offset past the end
    rejectsNpz(badCd, /central directory \(offset \d+, \d+ bytes\) runs past its end record/);
  });

  it('a missing member', () => {
    const m = members();
    m.delete('fc2.mask.npy');
    rejectsNpz(rezip(m), 'layer fc2 has neither fc2.mask nor fc2.weight');
    const noMeta = members();
    noMeta.delete('__metadata__.npy');
    rejectsNpz(rezip(noMeta), 'no __metadata__ (not a Ticketscope snapshot)');
  });

  it('a bad npy header', () => {
    const edit = (name: string, from: string, to: string) => {
      const m = members();
      const data = new Uint8Array(m.get(name)!);
      const text = Buffer.from(data.subarray(0, 128)).toString('latin1');
      const at = text.indexOf(from);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(to.length).toBe(from.length);
      data.set(Buffer.from(to, 'latin1'), at);
      m.set(name, data);
      return rezip(m);
    };
    rejectsNpz(edit('fc1.mask.npy', '(300, 784)', '(300; 784)'), /fc1.mask.npy: bad npy header \(expected , or \) at character \d+\)/);
    rejectsNpz(edit('fc1.mask.npy', "'shape'", "'shapf'"), 'fc1.mask.npy: bad npy header: keys descr,fortran_order,shapf, expected descr, fortran_order, shape');
    rejectsNpz(edit('fc1.mask.npy', '\x93NUMPY', '\x93NUMPZ'), 'fc1.mask.npy: not a .npy array (bad magic)');
    rejectsNpz(edit('fc1.mask.npy', "'|u1'", "'<f8'"), 'fc1.mask.npy: unknown dtype <f8 (expected <f4, |u1 or |b1)');
    rejectsNpz(
      edit('fc1.mask.npy', '(300, 784)', '(300, 783)'),
      'fc1.mask.npy: shape (300, 783) of |u1 needs 234900 data bytes but the array holds 235200',
    );
    rejectsNpz(edit('fc1.mask.npy', 'False', 'True '), 'fc1.mask.npy: Fortran-order arrays are not supported (save np.ascontiguousarray(a))');
  });

  it('other bad members', () => {
    const extra = members();
    extra.set('readme.txt', new Uint8Array([1]));
    rejectsNpz(rezip(extra), 'member readme.txt is not a .npy array');
    const badMeta = members();
    badMeta.set('__metadata__.npy', writeNpyString('{"format": '));
    rejectsNpz(rezip(badMeta), /^snapshot bad.npz: __metadata__.npy is not valid JSON \(.+\)$/);
    const numMeta = members();
    numMeta.set('__metadata__.npy', writeNpy({ dtype: 'U8', shape: [2], data: new Uint8Array([1, 2]) }));
    rejectsNpz(rezip(numMeta), /__metadata__.npy: expected a 0-d unicode array/);
    const two = members();
    const mask = readSnapshot(npz).layers[1]!.mask!;
    const bad = new Uint8Array(mask.length);
    bad[3] = 2;
    two.set('fc2.mask.npy', writeNpy({ dtype: 'U8', shape: [100, 300], data: bad }));
    rejectsNpz(rezip(two), 'tensor fc2.mask: mask value 2 at index 3 (masks hold only 0 and 1)');
  });
});
