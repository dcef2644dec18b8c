"""Ticketscope's seeded streams in Python, to feed PyTorch the examples Ticketscope's trainer sees.

A port of src/main/engine/rng.ts (xoshiro128** seeded by splitmix32; streams derived from (seed, name) by FNV-1a)
limited to what the parity script needs: the fixed validation hold-out of a real data set
(`prepareRealDataset`: stream `<dataset>/holdout` of seed 20190301, the first `validation` indices of a permutation
of the training set are held out, the rest train in that order) and the batch order of a round (`BatchSampler`:
stream `batches/round<r>` of the run seed, a fresh permutation per epoch, the last partial batch dropped).

It shares no training maths with the engine: only which example goes into which batch. tests/unit/parity-rng.test.ts
checks it against the TypeScript generator.
"""

M32 = 0xFFFFFFFF
DATA_HOLDOUT_SEED = 20190301


def _imul(a, b):
    return (a * b) & M32


def splitmix32(seed):
    s = seed & M32

    def nxt():
        nonlocal s
        s = (s + 0x9E3779B9) & M32
        z = s
        z = _imul(z ^ (z >> 16), 0x85EBCA6B)
        z = _imul(z ^ (z >> 13), 0xC2B2AE35)
        return (z ^ (z >> 16)) & M32

    return nxt


def hash_string(s):
    """FNV-1a over UTF-16 code units (the stream names here are ASCII)."""
    h = 0x811C9DC5
    data = s.encode('utf-16-le')
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = _imul(h, 0x01000193)
    return h


def derive_seed(seed, stream):
    ident = (stream & M32) if isinstance(stream, int) else hash_string(stream)
    mix = splitmix32((seed & M32) ^ _imul(ident, 0x9E3779B1))
    mix()
    return (mix() ^ ident) & M32


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128**, as src/main/engine/rng.ts (its int32 arithmetic done here on unsigned 32-bit values)."""

    def __init__(self, seed):
        sm = splitmix32(seed)
        self.s = [sm() for _ in range(4)]
        if not any(self.s):
            self.s[0] = 1

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        s2 ^= s0
        s3 ^= s1
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        self.s = [s0 ^ s3, s1 ^ s2, (s2 ^ (s1 << 9)) & M32, _rotl(s3, 11)]
        return result

    def int(self, lo, hi):
        """Uniform integer in [lo, hi) by rejection, as Rng.int."""
        n = hi - lo
        if n == 0x100000000:
            return lo + self.next_uint32()
        limit = 0x100000000 - (0x100000000 % n)
        x = self.next_uint32()
        while x >= limit:
            x = self.next_uint32()
        return lo + x % n

    def permutation(self, n):
        """Fisher-Yates from the end, as Rng.shuffle on 0..n-1."""
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(0, i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def stream_rng(seed, stream):
    return Rng(derive_seed(seed, stream))


def holdout(dataset, n, validation):
    """(validation indices, training indices in the order the trainer stores them) of a real data set."""
    perm = stream_rng(DATA_HOLDOUT_SEED, f'{dataset}/holdout').permutation(n)
    return perm[:validation], perm[validation:]


class BatchSampler:
    """Batches of indices into the training split, as the engine's BatchSampler for round `round_`."""

    def __init__(self, n, batch_size, seed, round_=0):
        self.n = n
        self.batch_size = min(batch_size, n)
        self.rng = stream_rng(seed, f'batches/round{round_}')
        self.perm = self.rng.permutation(n)
        self.pos = 0

    def next(self):
        if self.pos + self.batch_size > self.n:
            self.perm = self.rng.permutation(self.n)
            self.pos = 0
        out = self.perm[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return out
