// Keeps the README's "jax.nn" and "stax and optimizers" sections honest: their code blocks run
// as written (imports stripped, the same names in scope), their stated results are checked
// against oracles here, and every exported name of nn, nn.initializers, stax and optimizers is
// documented.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";
import { exampleLibraries, grad, nn, numpy as jnp } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The text of a `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/**
 * Runs a ```ts block (plain JS apart from its imports): each `import { a, b as c } from "jaxts"`
 * becomes `const a = jaxts.a, c = jaxts.b`. Returns the block's top-level variables.
 */
function runBlock(code: string): Record<string, unknown> {
  const body = code.replace(/^import \{([^}]*)\} from "jaxts";$/gm, (_, list: string) => {
    const binds = list.split(",").map((item) => {
      const [name, alias] = item.trim().split(/\s+as\s+/);
      return `${alias ?? name} = __jaxts.${name}`;
    });
    return `const ${binds.join(", ")};`;
  });
  expect(body).not.toMatch(/^import /m);
  const decls = [...body.matchAll(/^(?:const|let) (\[[^\]]*\]|\{[^}]*\}|\w+) =/gm)].flatMap((m) => m[1]!.match(/\w+/g) ?? []);
  const fn = new Function("__jaxts", `${body}\nreturn { ${decls.join(", ")} };`);
  return fn(jaxts) as Record<string, unknown>;
}

const blocks = (text: string): string[] => [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("README: jax.nn", () => {
  const text = section("jax.nn");

  it("its example runs; the stated results hold", () => {
    const [code] = blocks(text);
    const scope = runBlock(code!);
    const xs = [-2, -1, -0.5, 0, 0.5, 1, 2];
    expect(nn.relu(jnp.array(xs)).tolist()).toEqual(xs.map((v) => Math.max(v, 0)));
    expect(grad(nn.relu)(0.0).item()).toBe(0);
    expectAllClose(jnp.sum(nn.softmax(scope.logits as jaxts.Array), { axis: -1 }), [1, 1], { atol: 1e-6 });
    expectAllClose(nn.logsumexp(jnp.array([1e4, 1e4])), 1e4 + Math.LN2, { rtol: 1e-7 });
    const idx = [0, 2, -1];
    expect(nn.oneHot(jnp.array(idx, { dtype: "int32" }), 3).tolist()).toEqual(idx.map((i) => [0, 1, 2].map((j) => Number(i === j))));
    expect((scope.W as jaxts.Array).shape).toEqual([784, 512]);
  });

  it("documents every nn and nn.initializers name", () => {
    for (const name of Object.keys(nn).filter((n) => n !== "initializers")) expect(text, name).toContain(`\`${name}\``);
    for (const name of Object.keys(nn.initializers)) expect(text, name).toContain(`\`${name}\``);
  });
});

describe("README: stax and optimizers", () => {
  const text = section("stax and optimizers");

  it("its example runs and the loss falls", () => {
    const [code] = blocks(text);
    const scope = runBlock(code!);
    const { optimizers } = exampleLibraries;
    const loss = scope.loss as (p: unknown) => jaxts.Array;
    const state = scope.state as exampleLibraries.optimizers.OptimizerState;
    expect(scope.outShape).toEqual([-1, 1]);
    expect(Number(loss(optimizers.adam(1e-2)[2](state)).item())).toBeLessThan(0.2 * Number(loss(scope.params).item()));
  });

  it("documents every stax and optimizers name", () => {
    const { stax, optimizers } = exampleLibraries;
    for (const name of [...Object.keys(stax), ...Object.keys(optimizers)]) {
      expect(text, name).toMatch(new RegExp("`" + name + "[`(]"));
    }
  });
});
