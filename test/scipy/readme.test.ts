// Keeps the README's "jax.scipy" section honest: its code block runs as written (imports
// stripped), the values its comments state are checked against independent oracles (Simpson
// integration of the normal density, the closed forms written in the comments, S x = b by a JS
// matrix product, exp of a nilpotent matrix = I + N), and every export of scipy.special,
// scipy.stats and scipy.linalg is documented there.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";
import { scipy } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const start = readme.indexOf("\n## jax.scipy\n");
const section = readme.slice(start, readme.indexOf("\n## ", start + 1));

/** Runs a ```ts block with `import { a, b as c } from "jaxts"` turned into bindings; returns its top-level consts. */
function runBlock(code: string): Record<string, JaxArray> {
  const body = code.replace(/^import \{([^}]*)\} from "jaxts";$/gm, (_, list: string) => {
    const binds = list.split(",").map((item) => {
      const [name, alias] = item.trim().split(/\s+as\s+/);
      return `${alias ?? name} = __jaxts.${name}`;
    });
    return `const ${binds.join(", ")};`;
  });
  const names = [...body.matchAll(/^const (\w+) =/gm)].map((m) => m[1]!);
  return new Function("__jaxts", `${body}\nreturn { ${names.join(", ")} };`)(jaxts);
}

/** Φ(x) by composite Simpson integration of the standard normal density over [−12, x]. */
function normCdf(x: number): number {
  const a = -12;
  const n = 20000;
  const h = (x - a) / n;
  const phi = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  let s = phi(a) + phi(x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * phi(a + i * h);
  return (s * h) / 3;
}

describe("README: jax.scipy", () => {
  it("the example runs and prints what its comments say", () => {
    expect(start).toBeGreaterThan(0);
    const block = section.match(/```ts\n([\s\S]*?)```/)![1]!;
    const v = runBlock(block);
    const xs = [-1, 0, 2];
    expectAllClose(v.p!, xs.map(normCdf), { rtol: 2e-6, atol: 1e-7 });
    expectAllClose(v.q!, xs, { atol: 2e-5 });
    // log Φ(−40) by the asymptotic series with 8 terms, in float64.
    let series = 1;
    let term = 1;
    for (let k = 1; k <= 8; k++) series += (term *= -(2 * k - 1) / 1600);
    const logTail = -800 - Math.log(40) - 0.5 * Math.log(2 * Math.PI) + Math.log(series);
    expectAllClose(v.tail!, logTail, { rtol: 1e-6 });
    expect(section).toContain(`≈ ${logTail.toFixed(2).replace("-", "−")}`);
    expect(v.zero!.item()).toBe(0);
    expectAllClose(v.dens!, [0, 1].map((x) => -((x - 1) ** 2 / 4 + Math.log(8 * Math.PI)) / 2), { rtol: 1e-6 });
    expectAllClose(v.slope!, (-4 * 1) / (3 + 1), { rtol: 1e-5 });
    const S = [[4, 2], [2, 3]];
    const xv = Array.from(v.x!.dataSync(), Number);
    expectAllClose(S.map((r) => r[0]! * xv[0]! + r[1]! * xv[1]!), [2, 1], { atol: 1e-6 });
    expectAllClose(v.x!, [0.5, 0], { atol: 1e-6 });
    expectAllClose(v.E!, [[1, 1], [0, 1]], { atol: 1e-6 });
  });

  it("documents every export of scipy.special, scipy.stats and scipy.linalg", () => {
    for (const ns of [scipy.special, scipy.stats, scipy.linalg]) {
      for (const name of Object.keys(ns)) expect(section, name).toContain(`\`${name}\``);
    }
    for (const [dist, fns] of Object.entries(scipy.stats)) {
      const row = section.split("\n").find((l) => l.startsWith(`| \`${dist}\``));
      expect(row, dist).toBeDefined();
      for (const fn of Object.keys(fns)) expect(row, `${dist}.${fn}`).toContain(`\`${fn}\``);
    }
  });
});
