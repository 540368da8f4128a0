import { encodePng } from './png';
import { seedFromText, seededRandom, type Random } from './random';

/** Short side of every picture. Real models return ~1 MP; tests only need the right proportions. */
const SHORT_SIDE = 256;

export interface ArtworkRequest {
  prompt: string;
  seed: number;
  aspectRatio: string; // "W:H" such as "16:9" or "2.35:1"; anything else ("auto", …) renders square
}

export function dimensionsFor(aspectRatio: string): { width: number; height: number } {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(aspectRatio);
  const ratio = match ? Number(match[1]) / Number(match[2]) : 1;
  if (!Number.isFinite(ratio) || ratio <= 0) return { width: SHORT_SIDE, height: SHORT_SIDE };
  return ratio >= 1
    ? { width: Math.round(SHORT_SIDE * ratio), height: SHORT_SIDE }
    : { width: SHORT_SIDE, height: Math.round(SHORT_SIDE / ratio) };
}

type Rgb = [number, number, number];

function hsl(hue: number, saturation: number, lightness: number): Rgb {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): number => {
    const k = (n + hue / 30) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

function mix(from: Rgb, to: Rgb, t: number): Rgb {
  return [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, from[2] + (to[2] - from[2]) * t];
}

interface Ridge {
  colour: Rgb;
  baseline: number; // fraction of the height
  waves: Array<{ amplitude: number; frequency: number; phase: number }>;
}

function ridges(random: Random, hue: number): Ridge[] {
  const layers = 3;
  return Array.from({ length: layers }, (_, layer) => ({
    // farther ridges are lighter, as in aerial perspective
    colour: hsl((hue + 160 + layer * 12) % 360, 0.35, 0.45 - layer * 0.12),
    baseline: 0.55 + layer * 0.13 + random() * 0.05,
    waves: Array.from({ length: 3 }, () => ({
      amplitude: 0.02 + random() * 0.06,
      frequency: 1 + random() * 6,
      phase: random() * Math.PI * 2,
    })),
  }));
}

/**
 * Paints a small landscape (sky gradient, sun, layered ridges) whose palette and shapes all come
 * from a hash of prompt and seed: identical inputs give identical bytes, a new seed a new picture.
 */
export function renderArtwork(request: ArtworkRequest): Buffer {
  const { width, height } = dimensionsFor(request.aspectRatio);
  const random = seededRandom(seedFromText(`${request.prompt}\u0000${request.seed}`));
  const hue = random() * 360;
  const skyTop = hsl(hue, 0.55, 0.3 + random() * 0.2);
  const skyBottom = hsl((hue + 40 + random() * 60) % 360, 0.7, 0.75);
  const sun = {
    x: (0.2 + random() * 0.6) * width,
    y: (0.15 + random() * 0.3) * height,
    radius: (0.08 + random() * 0.1) * Math.min(width, height),
    colour: hsl((hue + 20) % 360, 0.9, 0.85),
  };
  const layers = ridges(random, hue).map((ridge) => ({
    colour: ridge.colour,
    // precomputed per column: the ridge's top edge in pixels
    top: Float64Array.from({ length: width }, (_, x) => {
      const u = x / width;
      const offset = ridge.waves.reduce((sum, w) => sum + w.amplitude * Math.sin(u * w.frequency * Math.PI * 2 + w.phase), 0);
      return (ridge.baseline + offset) * height;
    }),
  }));

  const pixels = new Uint8Array(width * height * 3);
  // Scalar channels and a squared-distance test keep this loop allocation-free: a few ms per image.
  const sunReach = (sun.radius + 1) ** 2;
  for (let y = 0; y < height; y++) {
    const sky = mix(skyTop, skyBottom, y / (height - 1));
    for (let x = 0; x < width; x++) {
      let r = sky[0];
      let g = sky[1];
      let b = sky[2];
      const squaredDistance = (x - sun.x) ** 2 + (y - sun.y) ** 2;
      if (squaredDistance < sunReach) {
        // soft edge: a 2-pixel blend instead of a jagged disc
        const cover = Math.max(0, Math.min(1, (sun.radius - Math.sqrt(squaredDistance)) / 2 + 0.5));
        r += (sun.colour[0] - r) * cover;
        g += (sun.colour[1] - g) * cover;
        b += (sun.colour[2] - b) * cover;
      }
      for (const layer of layers) {
        const cover = Math.min(1, y - layer.top[x] + 0.5);
        if (cover <= 0) continue;
        r += (layer.colour[0] - r) * cover;
        g += (layer.colour[1] - g) * cover;
        b += (layer.colour[2] - b) * cover;
      }
      const offset = (y * width + x) * 3;
      pixels[offset] = r;
      pixels[offset + 1] = g;
      pixels[offset + 2] = b;
    }
  }
  return encodePng(width, height, pixels);
}

