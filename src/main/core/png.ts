// A minimal PNG encoder (8-bit RGBA, no interlace, filter 0 on every row, one zlib IDAT), for feature visualisations
// written by the CLI. PNG spec (W3C, 2nd ed.): signature, IHDR, IDAT, IEND; each chunk is length, type, data, and the
// CRC-32 of type and data.
import { deflateSync } from 'node:zlib';
import { crc32 } from '../store/zip';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** PNG bytes of a w × h RGBA image (w · h · 4 bytes, rows top to bottom), each pixel repeated `scale` times per side. */
export function encodePng(rgba: Uint8Array, width: number, height: number, scale = 1): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const w = width * scale;
  const h = height * scale;
  const raw = Buffer.alloc(h * (1 + w * 4));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 4);
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w; x++) {
      const s = (sy * width + Math.floor(x / scale)) * 4;
      raw.set(rgba.subarray(s, s + 4), row + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits per sample, colour type 6 (RGBA), deflate, filter method 0, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
