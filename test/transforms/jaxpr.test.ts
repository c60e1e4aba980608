// Printed jaxprs against JAX's own text: where jaxts stages the same equations as JAX, the
// expected strings are JAX's documented outputs (jax.make_jaxpr's docstring, docs/jaxpr.rst);
// where our equations differ, the snapshot is ours and the comment says how JAX's differs.
// Also the layout rules of JAX's printer (80 columns, "; " between equations on one line, sorted
// params with `name` first, variable names continuing into nested jaxprs), and that staged jaxprs
// type-check and evaluate back to the function.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClosedJaxpr, Jaxpr, grad, jit, jvp, lax, makeJaxpr, tree, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { evalJaxpr } from "../../src/ir/eval.js";
import { typecheckJaxpr } from "../../src/ir/jaxpr.js";
import * as pp from "../../src/ir/pretty.js";
import { assertClose, libArb, randArray, scalarize, seedArb, shapeArb, stack } from "../util/laws.js";

const zeros = (...shape: number[]) => lax.full(shape, 0, "float32");
const show = (f: (...a: any[]) => unknown, ...args: unknown[]) => String(makeJaxpr(f)(...args));

describe("jaxprs JAX prints identically", () => {
  it("one equation on one line (DESIGN.md's example)", () => {
    expect(show(jnp.sin, zeros(3))).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }");
  });

  it("jax.make_jaxpr's docstring: sin(cos(x)) fits on one line, equations separated by '; '", () => {
    const f = (x: JArray) => jnp.sin(jnp.cos(x));
    expect(show(f, 3.0)).toBe("{ lambda ; a:f32[]. let b:f32[] = cos a; c:f32[] = sin b in (c,) }");
  });

  it("no equations: 'let  in' with two spaces (as in docs/jaxpr.rst's cond example)", () => {
    expect(show((x: JArray) => [x, x], 1.0)).toBe("{ lambda ; a:f32[]. let  in (a, a) }");
  });

  it("a non-scalar closure constant becomes a constvar before the ';'", () => {
    const c = jnp.array([1, 2, 3]);
    expect(show((x: JArray) => jnp.multiply(x, c), zeros(3))).toBe(
      "{ lambda a:f32[3]; b:f32[3]. let c:f32[3] = mul b a in (c,) }",
    );
  });

  it("scalar constants are inlined as typed literals (JAX ≥ 0.4.36 prints `3.0:f32[]`)", () => {
    expect(show((x: JArray) => jnp.multiply(x, 0.1), 3.0)).toBe("{ lambda ; a:f32[]. let b:f32[] = mul a 0.1:f32[] in (b,) }");
    expect(show((x: JArray) => jnp.multiply(x, 1e20), 3.0)).toBe("{ lambda ; a:f32[]. let b:f32[] = mul a 1e+20:f32[] in (b,) }");
    expect(show((x: JArray) => jnp.multiply(x, 2), jnp.array(3, { dtype: "int32" }))).toBe(
      "{ lambda ; a:i32[]. let b:i32[] = mul a 2:i32[] in (b,) }",
    );
  });

  it("reduce_sum[axes=(0,)] and reduce_sum over a batched axis under vmap", () => {
    expect(show((x: JArray) => lax.reduceSum(x, [0]), zeros(8))).toBe(
      "{ lambda ; a:f32[8]. let b:f32[] = reduce_sum[axes=(0,)] a in (b,) }",
    );
    // 83 columns on one line, so one equation per line.
    expect(show(vmap((x: JArray) => lax.reduceSum(jnp.sin(x), [0])), zeros(2, 3))).toBe(
      ["{ lambda ; a:f32[2,3]. let", "    b:f32[2,3] = sin a", "    c:f32[2] = reduce_sum[axes=(1,)] b", "  in (c,) }"].join("\n"),
    );
  });

  it("transpose[permutation=(1, 0)], and one equation per line when it does not fit in 80 columns", () => {
    const f = (x: JArray) => lax.transpose(jnp.sin(lax.reshape(x, [2, 3])), [1, 0]);
    expect(show(f, zeros(6))).toBe(
      [
        "{ lambda ; a:f32[6]. let",
        "    b:f32[2,3] = reshape[dimensions=None newSizes=(2, 3)] a",
        "    c:f32[2,3] = sin b",
        "    d:f32[3,2] = transpose[permutation=(1, 0)] c",
        "  in (d,) }",
      ].join("\n"),
    );
  });

  it("variables after z are named ba, bb, ...", () => {
    const f = (x: JArray) => {
      let y = x;
      for (let i = 0; i < 28; i++) y = jnp.sin(y);
      return y;
    };
    const lines = show(f, 1.0).split("\n");
    expect(lines.slice(-4)).toEqual(["    ba:f32[] = sin z", "    bb:f32[] = sin ba", "    bc:f32[] = sin bb", "  in (bc,) }"]);
  });
});

describe("jaxprs where our equations differ from JAX's (layout still JAX's)", () => {
  it("docs/jaxpr.rst func1, exactly as JAX prints it: a JS scalar is a rank-0 literal operand (`mul c 3.0:f32[]`)", () => {
    const func1 = (first: JArray, second: JArray) => lax.reduceSum(jnp.add(first, jnp.multiply(jnp.sin(second), 3.0)), [0]);
    expect(show(func1, zeros(8), zeros(8))).toBe(
      [
        "{ lambda ; a:f32[8] b:f32[8]. let",
        "    c:f32[8] = sin b",
        "    d:f32[8] = mul c 3.0:f32[]",
        "    e:f32[8] = add a d",
        "    f:f32[] = reduce_sum[axes=(0,)] e",
        "  in (f,) }",
      ].join("\n"),
    );
  });

  it("docs/jaxpr.rst func12: pjit with name first, its jaxpr nested and naming continued (d, e, ...)", () => {
    // JAX additionally converts the weak-typed rank-0 operands (convert_element_type[new_dtype=
    // float32 weak_type=False]) before they meet the f32[1] values; the layout and naming are
    // the same, and like JAX the scalars reach mul/add unbroadcast.
    const func12 = (arg: JArray) => {
      const innerJit = jit(function inner(x: JArray) {
        return jnp.add(x, jnp.multiply(arg, lax.full([1], 1, "float32")));
      });
      return jnp.add(arg, innerJit(jnp.subtract(arg, 2.0)));
    };
    expect(show(func12, 1.0)).toBe(
      [
        "{ lambda ; a:f32[]. let",
        "    b:f32[] = sub a 2.0:f32[]",
        "    c:f32[1] = pjit[",
        "      name=inner",
        "      jaxpr={ lambda ; d:f32[] e:f32[]. let",
        "          f:f32[1] = broadcast_in_dim[broadcastDimensions=() shape=(1,)] 1.0:f32[]",
        "          g:f32[1] = mul d f",
        "          h:f32[1] = add e g",
        "        in (h,) }",
        "    ] a b",
        "    i:f32[1] = add a c",
        "  in (i,) }",
      ].join("\n"),
    );
  });

  it("a pjit whose params do not fit breaks them one per line; a short one stays flat", () => {
    const f = jit(function g(x: JArray) {
      return jnp.sin(x);
    });
    // "    b:f32[] = pjit" + "[name=g jaxpr={ ... }]" is 83 columns: the params group breaks.
    expect(show((x: JArray) => f(x), 1.0)).toBe(
      [
        "{ lambda ; a:f32[]. let",
        "    b:f32[] = pjit[",
        "      name=g",
        "      jaxpr={ lambda ; c:f32[]. let d:f32[] = sin c in (d,) }",
        "    ] a",
        "  in (b,) }",
      ].join("\n"),
    );
    const ident = jit(function h(x: JArray) {
      return x;
    });
    expect(show(ident, 1.0)).toBe(
      ["{ lambda ; a:f32[]. let", "    b:f32[] = pjit[name=h jaxpr={ lambda ; c:f32[]. let  in (c,) }] a", "  in (b,) }"].join("\n"),
    );
  });

  it("grad(sin∘cos): JAX's docstring has `_:f32[] = sin b` and applies neg to the cotangent", () => {
    // JAX: b = cos a; c = sin a; _ = sin b; d = cos b; e = mul 1.0 d; f = neg e; g = mul f c.
    const f = (x: JArray) => jnp.sin(jnp.cos(x));
    expect(show(grad(f), 3.0)).toBe(
      [
        "{ lambda ; a:f32[]. let",
        "    b:f32[] = cos a",
        "    c:f32[] = sin a",
        "    d:f32[] = neg c",
        "    e:f32[] = sin b",
        "    f:f32[] = cos b",
        "    g:f32[] = mul 1.0:f32[] f",
        "    h:f32[] = mul g d",
        "  in (h,) }",
      ].join("\n"),
    );
  });

  it("jvp staged into a jaxpr, and the names of transformed pjits", () => {
    expect(show((x: JArray, t: JArray) => jvp(jnp.sin, [x], [t]), 1.0, 1.0)).toBe(
      ["{ lambda ; a:f32[] b:f32[]. let", "    c:f32[] = sin a", "    d:f32[] = cos a", "    e:f32[] = mul b d", "  in (c, e) }"].join("\n"),
    );
    const sinJit = jit(function inner(x: JArray) {
      return jnp.sin(x);
    });
    const text = show(grad((x: JArray) => sinJit(x)), 1.0);
    expect(text).toContain("name=jvp(inner)");
    expect(text).toContain("name=transpose(jvp(inner))");
  });
});

describe("the pretty printer's layout", () => {
  const { text, brk, group, nest, concat, format } = pp;
  it("a group is flat when its own content fits, else its breaks are newlines at the nesting", () => {
    const d = group(nest(2, concat(text("["), brk(""), text("aaaa"), brk(), text("bbbb"), brk(""), text("]"))));
    expect(format(d, 80)).toBe("[aaaa bbbb]");
    expect(format(d, 8)).toBe("[\n  aaaa\n  bbbb\n  ]");
  });

  it("the fit test looks at the group only, not at the text after it (as JAX's printer)", () => {
    const d = concat(group(concat(text("abc"), brk(), text("def"))), text("x".repeat(20)));
    expect(format(d, 10)).toBe("abc def" + "x".repeat(20));
  });

  it("nested groups break independently", () => {
    const inner = group(concat(text("p"), brk(), text("q")));
    const d = group(concat(text("1234567"), brk(), inner, brk(), text("z")));
    expect(format(d, 6)).toBe("1234567\np q\nz");
  });
});

describe("names of jitted functions", () => {
  it("a jitted function keeps the wrapped function's name, so jit(jit(f)) prints name=f twice", () => {
    const f = jit(
      jit(function twice(x: JArray) {
        return jnp.sin(x);
      }),
    );
    expect(f.name).toBe("twice");
    const text = show((x: JArray) => f(x), 1.0);
    expect(text.match(/name=twice/g)?.length).toBe(2);
  });
});

describe("staged jaxprs are well typed and evaluate to the function", () => {
  /** Type-checks a jaxpr and, recursively, every jaxpr in its equations' params. */
  function typecheckDeep(j: Jaxpr): number {
    typecheckJaxpr(j);
    let n = 1;
    for (const e of j.eqns) {
      for (const v of Object.values(e.params)) {
        const subs = Array.isArray(v) ? v : [v];
        for (const s of subs) {
          if (s instanceof Jaxpr) n += typecheckDeep(s);
          else if (s instanceof ClosedJaxpr) n += typecheckDeep(s.jaxpr);
        }
      }
    }
    return n;
  }

  it("for the function library under jit, grad, vmap and jvp", () => {
    fc.assert(
      fc.property(libArb, shapeArb(2, 3), seedArb, (lib, shape, seed) => {
        const x = randArray(shape, seed);
        const s = scalarize(lib.f);
        const cases: [string, (...a: any[]) => unknown, unknown[]][] = [
          ["f", lib.f, [x]],
          ["jit(f)", jit(lib.f), [x]],
          ["grad", grad(jit(s)), [x]],
          ["vmap", vmap(lib.f), [stack([x, x])]],
          ["jvp", (a: JArray, t: JArray) => jvp(lib.f, [a], [t]), [x, x]],
        ];
        for (const [what, f, args] of cases) {
          const cj = makeJaxpr(f)(...args);
          expect(typecheckDeep(cj.jaxpr)).toBeGreaterThan(0);
          const flatArgs = tree.leaves(args) as JArray[];
          const out = evalJaxpr(cj.jaxpr, [...cj.consts, ...flatArgs]);
          assertClose(out, tree.leaves(f(...args)), { atol: 1e-6, rtol: 1e-6 }, `${lib.name} ${what}`);
        }
      }),
      { numRuns: 30 },
    );
  });
});
