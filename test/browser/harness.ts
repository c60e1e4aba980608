// What the browser test needs around Chromium: finding it, bundling test/browser/suite.ts with
// esbuild for the browser (which fails on any Node built-in reached by a static import), a tiny
// HTTP server that sends the cross-origin isolation headers (COOP/COEP) except under /plain/,
// and a deadline for every promise, so that nothing can hang.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Chromium to drive: $JAXTS_CHROMIUM if set, else Debian's /usr/bin/chromium; undefined if absent. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.JAXTS_CHROMIUM;
  const candidates = fromEnv ? [fromEnv] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p) => existsSync(p));
}

/** Flags for headless Chromium in a container (see /work/shared/PLATFORM.md). */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

/** A fresh, throw-away profile directory. */
export function tempProfile(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "jaxts-chromium-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The suite bundled as one browser ES module (no Node built-ins: platform "browser"). */
export async function bundleSuite(): Promise<string> {
  const esbuild = await import("esbuild");
  const entry = fileURLToPath(new URL("./suite.ts", import.meta.url));
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>jaxts browser test</title>`;

/**
 * Serves "/" (an empty page) and "/suite.js" (the bundle) on 127.0.0.1, with
 * Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so
 * pages are cross-origin isolated; the same files under /plain/ come without those headers.
 */
export async function serve(bundle: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const plain = path.startsWith("/plain/");
    const file = plain ? path.slice("/plain".length) : path;
    const headers: Record<string, string> = plain
      ? {}
      : { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
    if (file === "/" || file === "/index.html") {
      res.writeHead(200, { ...headers, "Content-Type": "text/html; charset=utf-8" }).end(PAGE);
    } else if (file === "/suite.js") {
      res.writeHead(200, { ...headers, "Content-Type": "text/javascript; charset=utf-8" }).end(bundle);
    } else {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Rejects with a message naming `what` if `p` has not settled within `ms`. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
