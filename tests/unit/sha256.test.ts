// The shared SHA-256 (src/shared/sha256.ts) against node:crypto, and the experiment id it gives the core and the
// builder view alike.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityOfConfig, parseExperimentConfig } from '../../src/shared/config';
import { experimentId, experimentIdOfIdentity } from '../../src/shared/refs';
import { sha256, sha256Hex } from '../../src/shared/sha256';

const node = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('matches node:crypto on every length around the block boundaries and on non-ASCII text', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      expect(Buffer.from(sha256(bytes)).toString('hex'), `length ${n}`).toBe(node(bytes));
    }
    for (const text of ['Ångström', 'ticket → 12.5%', '🎟️ lottery', 'a'.repeat(1000)]) expect(sha256Hex(text)).toBe(node(text));
  });
});

describe('experiment ids', () => {
  it('are the first 16 hex digits of the SHA-256 of the identity, the same everywhere', () => {
    for (const name of ['quick', 'quick-imp', 'lenet-mnist-imp']) {
      const config = parseExperimentConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', `${name}.json`), 'utf8')));
      const identity = identityOfConfig(config);
      expect(experimentId(config)).toBe(node(identity).slice(0, 16));
      expect(experimentIdOfIdentity(identity)).toBe(experimentId(config));
    }
  });
});
