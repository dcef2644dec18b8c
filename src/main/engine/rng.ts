// The project's own seeded random number generator, in plain JS so that a seed gives the same numbers on every
// backend and every machine. xoshiro128** (Blackman & Vigna) with its 128-bit state filled by splitmix32 from a
// 32-bit seed. Independent streams are derived from (seed, stream name) by hashing the name into the seed, so that,
// e.g., weight initialisation and batch order never share a sequence and adding draws to one leaves the other alone.

/** splitmix32: a tiny generator used only to expand a 32-bit seed into well-mixed state words. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over the UTF-16 code units of a string: stable stream ids from names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 32-bit seed for stream `stream` of run seed `seed`; different streams give unrelated sequences. */
export function deriveSeed(seed: number, stream: string | number): number {
  const id = typeof stream === 'number' ? stream >>> 0 : hashString(stream);
  const mix = splitmix32((seed >>> 0) ^ Math.imul(id, 0x9e3779b1));
  mix();
  return (mix() ^ id) >>> 0;
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

export class Rng {
  // State in a typed array: plain int32 arithmetic with no boxing of large numbers (about 10x faster in V8 than
  // uint32 values held in object fields).
  private readonly s = new Int32Array(4);
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    const s = this.s;
    for (let i = 0; i < 4; i++) s[i] = sm();
    // An all-zero state would stay zero forever; splitmix32 cannot give four zeros in a row, but be safe.
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  }

  /** The next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const s2 = s[2]! ^ s0;
    const s3 = s[3]! ^ s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal via the Box–Muller transform (the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + std * this.spare;
    }
    // 1 - uniform() is in (0, 1], so the log is finite.
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return mean + std * r * Math.cos(theta);
  }

  /** Uniform integer in [lo, hi) without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    const n = hi - lo;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || n <= 0 || n > 0x100000000) {
      throw new RangeError(`Rng.int: bad range [${lo}, ${hi})`);
    }
    if (n === 0x100000000) return lo + this.nextUint32();
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % n);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends ArrayLike<unknown>>(a: T): T {
    const arr = a as unknown as unknown[];
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/** The generator for stream `stream` of seed `seed`. */
export function streamRng(seed: number, stream: string | number): Rng {
  return new Rng(deriveSeed(seed, stream));
}
