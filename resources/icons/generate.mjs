// Draws the Ticketscope icon set (resources/icons/NxN.png) with no dependencies: shapes as signed distance fields
// with analytic anti-aliasing, written as RGBA PNGs with node:zlib. Run `node resources/icons/generate.mjs` after
// changing the drawing; the PNGs are committed, electron-builder reads them (linux: the folder, mac: 1024, win: 256).
//
// The picture: a small three-layer network on a deep blue tile. Most units and connections are faint (pruned); a
// few are lit amber and joined: the winning ticket, the subnetwork the app is about.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An RGBA (8 bits per channel, non-premultiplied) image as PNG bytes. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Geometry in a unit square (0..1), y down.
const layers = [
  [0.3, 0.5, 0.7],
  [0.22, 0.41, 0.59, 0.78],
  [0.3, 0.5, 0.7],
];
const columns = [0.26, 0.5, 0.74];
const nodes = layers.flatMap((ys, l) => ys.map((y, i) => ({ id: `${l}:${i}`, x: columns[l], y })));
const node = (id) => nodes.find((n) => n.id === id);
const ticket = new Set(['0:0', '0:2', '1:1', '1:2', '2:1']);
const ticketEdges = [
  ['0:0', '1:1'],
  ['0:2', '1:2'],
  ['0:0', '1:2'],
  ['1:1', '2:1'],
  ['1:2', '2:1'],
];
const allEdges = [];
for (let l = 0; l < 2; l++) {
  for (const a of nodes.filter((n) => n.id.startsWith(`${l}:`))) {
    for (const b of nodes.filter((n) => n.id.startsWith(`${l + 1}:`))) allEdges.push([a.id, b.id]);
  }
}

function roundedBox(px, py, half, radius) {
  const qx = Math.abs(px - 0.5) - half + radius;
  const qy = Math.abs(py - 0.5) - half + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function segment(px, py, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - a.x - t * dx, py - a.y - t * dy);
}

/** Paints `colour` with coverage from a signed distance (unit square units) onto the pixel (non-premultiplied). */
function over(dst, colour, alpha) {
  const a = alpha * colour[3];
  const outA = a + dst[3] * (1 - a);
  if (outA <= 0) return;
  for (let c = 0; c < 3; c++) dst[c] = (colour[c] * a + dst[c] * dst[3] * (1 - a)) / outA;
  dst[3] = outA;
}

export function draw(size) {
  const rgba = new Uint8Array(size * size * 4);
  const px = 1 / size;
  // Thin strokes vanish at small sizes: keep them at least about a pixel wide.
  const faintWidth = Math.max(0.006, 0.6 * px);
  const ticketWidth = Math.max(0.018, 0.9 * px);
  const cover = (d) => Math.max(0, Math.min(1, 0.5 - d / px));
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) * px;
      const y = (j + 0.5) * px;
      const p = [0, 0, 0, 0];
      const tile = roundedBox(x, y, 0.46, 0.1);
      if (tile > px) continue;
      // Tile: deep blue, lighter towards the top.
      const g = y;
      over(p, [22 + 18 * (1 - g), 48 + 40 * (1 - g), 92 + 60 * (1 - g), 1], cover(tile));
      // Faint, pruned connections and units.
      for (const [a, b] of allEdges) over(p, [160, 190, 230, 0.28], cover(segment(x, y, node(a), node(b)) - faintWidth / 2));
      // The ticket's connections, lit.
      for (const [a, b] of ticketEdges) over(p, [255, 196, 61, 1], cover(segment(x, y, node(a), node(b)) - ticketWidth / 2));
      for (const n of nodes) {
        const d = Math.hypot(x - n.x, y - n.y);
        if (ticket.has(n.id)) {
          over(p, [255, 214, 102, 1], cover(d - 0.062));
          over(p, [255, 246, 214, 1], cover(d - 0.03));
        } else {
          over(p, [38, 74, 128, 1], cover(d - 0.045));
          over(p, [200, 218, 240, 0.6], cover(Math.abs(d - 0.045) - Math.max(0.008, 0.5 * px)));
        }
      }
      const o = (j * size + i) * 4;
      rgba[o] = Math.round(p[0]);
      rgba[o + 1] = Math.round(p[1]);
      rgba[o + 2] = Math.round(p[2]);
      rgba[o + 3] = Math.round(p[3] * 255);
    }
  }
  return rgba;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = dirname(fileURLToPath(import.meta.url));
  for (const size of SIZES) {
    const file = join(dir, `${size}x${size}.png`);
    writeFileSync(file, encodePng(size, size, draw(size)));
    console.log(file);
  }
}
