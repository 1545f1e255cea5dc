/**
 * SVG to pixels with resvg (WebAssembly, no native code) and a bundled DejaVu Sans font, so text
 * renders the same on every machine: resvg in WebAssembly cannot see system fonts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { DataError } from '../errors.js';

const require = createRequire(import.meta.url);

let ready: Promise<void> | null = null;
let fonts: Uint8Array[] | null = null;

/** The family name of the bundled font that stands in for `sans-serif`. */
export const FONT_FAMILY = 'DejaVu Sans';

function loadFonts(): Uint8Array[] {
  if (!fonts) {
    fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map(
      (f) => new Uint8Array(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`))),
    );
  }
  return fonts;
}

/** Loads the resvg WebAssembly module once per process. */
export function initRenderer(): Promise<void> {
  if (!ready) {
    const wasm = readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
    ready = initWasm(wasm).catch((e: unknown) => {
      // A second initialisation (another copy of this module) is harmless.
      if (e instanceof Error && /already initialized/i.test(e.message)) return;
      ready = null;
      throw e;
    });
  }
  return ready;
}

/** Options for {@link renderSvg}. */
export interface RenderOptions {
  /** Zoom factor; 2 gives a sharp image on high-density screens. Default 1. */
  scale?: number;
  /** CSS background colour; omit for a transparent background. */
  background?: string;
}

/** A rendered raster: RGBA pixels plus the PNG encoding resvg made of them. */
export interface Rendered {
  width: number;
  height: number;
  /** RGBA, straight alpha, `width * height * 4` bytes. */
  pixels: Uint8Array;
  png: Uint8Array;
}

/** Renders an SVG document to RGBA pixels and PNG with the bundled fonts. */
export async function renderSvg(svg: string, options: RenderOptions = {}): Promise<Rendered> {
  await initRenderer();
  let r: InstanceType<typeof Resvg>;
  try {
    r = new Resvg(svg, {
      font: {
        fontBuffers: loadFonts(),
        defaultFontFamily: FONT_FAMILY,
        sansSerifFamily: FONT_FAMILY,
        serifFamily: FONT_FAMILY,
        monospaceFamily: 'DejaVu Sans Mono',
      },
      fitTo: { mode: 'zoom', value: options.scale ?? 1 },
      ...(options.background ? { background: options.background } : {}),
    });
  } catch (e) {
    throw new DataError(`renderSvg: the SVG could not be parsed: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const img = r.render();
    const out = { width: img.width, height: img.height, pixels: img.pixels, png: img.asPng() };
    img.free();
    return out;
  } finally {
    r.free();
  }
}

/** Renders an SVG document to PNG bytes on a white background. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  return (await renderSvg(svg, { scale, background: 'white' })).png;
}

/** Escapes text for use inside SVG or HTML. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
