// Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, so a safetensors header
// holding "fc1.mask" twice (or two "__metadata__" objects) would be read as whatever the last one says while other
// readers may take the first. This scanner walks text that JSON.parse has already accepted and reports the first
// object key that repeats within one object, comparing keys as decoded strings ("a" and "\u0061" are equal).
// Linear in the text; no recursion, so no depth limit applies.

export interface DuplicateKey {
  key: string;
  /** Where the object is: [] for the top level, ['__metadata__'] inside that object, ... */
  path: string[];
}

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  /** In an object: whether the next string is a key. */
  expectKey: boolean;
  /** The key under which this container sits in its parent object (null in an array or at the top). */
  name: string | null;
}

/** The first repeated key of an object in `text` (valid JSON), or null when every object's keys are distinct. */
export function firstDuplicateKey(text: string): DuplicateKey | null {
  const stack: Frame[] = [];
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const top = stack[stack.length - 1];
      const name = top?.kind === 'object' ? lastKey : null;
      stack.push({ kind: c === 0x7b ? 'object' : 'array', keys: new Set(), expectKey: c === 0x7b, name });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
    } else if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(i, j + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) {
          const path = stack.slice(1).map((f) => f.name ?? '[]');
          return { key, path };
        }
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
      i = j;
    }
  }
  return null;
}
