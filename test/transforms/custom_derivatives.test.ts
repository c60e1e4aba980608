// customJvp / customVjp against JAX's documented behaviour: the examples of the tutorial "Custom
// derivative rules for JAX-transformable Python functions" and of JAX's custom_api_test (answers
// computed here from their formulas in float64), finite differences (checkGrads), jit ≡ eager,
// vmap ≡ a loop, grad of grad, printed jaxprs and JAX's error messages; and the library functions
// that use custom rules (jnp.sinc, jnp.logaddexp(2), random.gamma's derivative in a).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CustomVJPException,
  SymbolicZero,
  UnexpectedTracerError,
  customJvp,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  makeJaxpr,
  numpy as jnp,
  random,
  vjp,
  vmap,
} from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { stack } from "../util/laws.js";

const f32 = (v: number | number[]) => jnp.array(v, { dtype: "float32" });
const map = (xs: number[], f: (x: number) => number) => xs.map(f);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** The derivative of log(1 + e^x) as the tutorial's rule writes it, in float64. */
const dLog1pexp = (x: number) => 1 - 1 / (1 + Math.exp(x));

// The tutorial's log1pexp, log(1 + exp(x)) (held in `softplus`), whose naive derivative is NaN for large x.
const softplus = customJvp(function log1pexp(x: JArray) {
  return jnp.log(jnp.add(1, jnp.exp(x)));
});
softplus.defjvp(function log1pexp_jvp([x]: JArray[], [xDot]: JArray[]) {
  const ans = softplus(x!);
  return [ans, jnp.multiply(jnp.subtract(1, jnp.divide(1, jnp.add(1, jnp.exp(x!)))), xDot!)];
});

// The tutorial's f(x, y) = sin(x) * y with one rule for both arguments.
const sinTimes = customJvp(function f(x: JArray, y: JArray) {
  return jnp.multiply(jnp.sin(x), y);
});
sinTimes.defjvp(function f_jvp([x, y]: JArray[], [xDot, yDot]: JArray[]) {
  const out = sinTimes(x!, y!);
  return [out, jnp.add(jnp.multiply(jnp.multiply(jnp.cos(x!), xDot!), y!), jnp.multiply(jnp.sin(x!), yDot!))];
});

// JAX's test_basic: a rule that is deliberately not the true derivative (2 cos x), so that
// every transformation visibly uses it.
const sin2 = customJvp(function sin2(x: JArray) {
  return jnp.sin(x);
});
sin2.defjvp(function sin2_jvp([x]: JArray[], [t]: JArray[]) {
  return [sin2(x!), jnp.multiply(jnp.multiply(2, jnp.cos(x!)), t!)];
});

describe("customJvp: the tutorial's examples", () => {
  it("log1pexp: the rule gives grad 1.0 at 100 where the naive function gives nan", () => {
    const naive = (x: JArray) => jnp.log(jnp.add(1, jnp.exp(x)));
    expect(Number.isNaN(Number(grad(naive)(100)))).toBe(true);
    const xs = [0, 2, 10, 100];
    expectAllClose(vmap(grad(softplus))(f32(xs)), map(xs, dLog1pexp));
    expectAllClose(jit(grad(softplus))(100), dLog1pexp(100));
    expectAllClose(grad(softplus)(100), dLog1pexp(100));
    expectAllClose(softplus(f32(3)), Math.log1p(Math.exp(3)));
  });

  it("log1pexp: grad of grad differentiates the rule (sigmoid'), and finite differences agree", () => {
    const xs = [-3, 0, 1.5, 10];
    expectAllClose(vmap(grad(grad(softplus)))(f32(xs)), map(xs, (x) => sigmoid(x) * (1 - sigmoid(x))), { atol: 1e-7 });
    expectAllClose(grad(grad(grad(softplus)))(0.5), sigmoid(0.5) * (1 - sigmoid(0.5)) * (1 - 2 * sigmoid(0.5)), { atol: 1e-6 });
    checkGrads(softplus, [f32([-1.2, 0.3, 2.5])], 2);
  });

  it("f(x, y) = sin(x)·y: jvp and grad in both arguments use the rule", () => {
    const [x, y] = [2, 3];
    const [out, t] = jvp(sinTimes, [x, y], [1, 0.5]);
    expectAllClose(out, Math.sin(x) * y);
    expectAllClose(t, Math.cos(x) * y + Math.sin(x) * 0.5);
    const [gx, gy] = grad(sinTimes, { argnums: [0, 1] })(x, y) as JArray[];
    expectAllClose(gx, Math.cos(x) * y);
    expectAllClose(gy, Math.sin(x));
    checkGrads(sinTimes, [f32([0.5, -1]), f32([2, 0.25])], 2);
  });

  it("defjvps: one term per argument, the same answers", () => {
    const g = customJvp(function g(x: JArray, y: JArray) {
      return jnp.multiply(jnp.sin(x), y);
    });
    g.defjvps(
      (xDot: JArray, _out: JArray, x: JArray, y: JArray) => jnp.multiply(jnp.multiply(jnp.cos(x), xDot), y),
      (yDot: JArray, _out: JArray, x: JArray) => jnp.multiply(jnp.sin(x), yDot),
    );
    const [gx, gy] = grad(g, { argnums: [0, 1] })(1, 2) as JArray[];
    expectAllClose(gx, Math.cos(1) * 2);
    expectAllClose(gy, Math.sin(1));
    expectAllClose(jvp(g, [1, 2], [0, 1])[1], Math.sin(1));
    // A null term: that argument contributes nothing.
    const h = customJvp(function h(x: JArray, y: JArray) {
      return jnp.multiply(x, y);
    });
    h.defjvps(null, (yDot: JArray, _out: JArray, x: JArray) => jnp.multiply(x, yDot));
    const [hx, hy] = grad(h, { argnums: [0, 1] })(3, 5) as JArray[];
    expectAllClose(hx, 0);
    expectAllClose(hy, 3);
  });

  it("JS control flow on concrete values in the function and in the rule (eager jvp and grad)", () => {
    const f = customJvp(function f(x: JArray) {
      return Number(x) > 0 ? jnp.sin(x) : jnp.cos(x);
    });
    f.defjvp(function f_jvp([x]: JArray[], [t]: JArray[]) {
      const ans = f(x!);
      return [ans, Number(x) > 0 ? jnp.multiply(2, t!) : jnp.multiply(3, t!)];
    });
    expectAllClose(f(f32(2)), Math.sin(2));
    expectAllClose(f(f32(-2)), Math.cos(-2));
    expectAllClose(jvp(f, [2], [1])[1], 2);
    expectAllClose(jvp(f, [-2], [1])[1], 3);
    expectAllClose(grad(f)(2), 2);
    expectAllClose(grad(f)(-2), 3);
  });

  it("pytrees of inputs and outputs (JAX's test_pytrees)", () => {
    const f = customJvp(function f(x: { a: JArray }) {
      return { b: jnp.sin(x.a) };
    });
    f.defjvp(function f_jvp([x]: { a: JArray }[], [g]: { a: JArray }[]) {
      return [f(x!), { b: jnp.multiply(jnp.multiply(2, jnp.cos(x!.a)), g!.a) }];
    });
    const [out, t] = jvp(f, [{ a: 3 }], [{ a: 3 }]) as [{ b: JArray }, { b: JArray }];
    expectAllClose(out.b, Math.sin(3));
    expectAllClose(t.b, 2 * Math.cos(3) * 3);
    const [o2, t2] = jit((x: JArray) => jvp(f, [{ a: x }], [{ a: x }]))(3) as [{ b: JArray }, { b: JArray }];
    expectAllClose(o2.b, Math.sin(3));
    expectAllClose(t2.b, 2 * Math.cos(3) * 3);
  });

  it("nondiffArgnums: a function-valued argument reaches the rule first (JAX's test_nondiff_argnums)", () => {
    const app = customJvp(
      function app(f: (x: JArray) => JArray, x: JArray) {
        return f(x);
      },
      { nondiffArgnums: [0] },
    );
    app.defjvp(function app_jvp(f: (x: JArray) => JArray, [x]: JArray[], [t]: JArray[]) {
      return [app(f, x!), jnp.multiply(3, t!)];
    });
    expectAllClose(app((x: JArray) => jnp.multiply(2, x), f32(1)), 2);
    const [o, t] = jvp((x: JArray) => app((y: JArray) => jnp.multiply(2, y), x), [1], [1]);
    expectAllClose(o, 2);
    expectAllClose(t, 3);
    expectAllClose(jit(grad((x: JArray) => app(jnp.sin, x)))(0.3), 3);
    expectAllClose(vmap(grad((x: JArray) => app(jnp.sin, x)))(f32([0.3, 1])), [3, 3]);
  });

  it("nondiffArgnums holding a vmap tracer (JAX's test_nondiff_arg_vmap_tracer)", () => {
    const f = customJvp(
      function f(x: JArray, y: JArray) {
        return jnp.multiply(x, y);
      },
      { nondiffArgnums: [0] },
    );
    f.defjvp(function f_jvp(x: JArray, [y]: JArray[], [tY]: JArray[]) {
      return [f(x, y!), jnp.multiply(5, tY!)];
    });
    const g = vmap(f);
    const [o, t] = jvp((y: JArray) => g(f32([2]), y), [f32([3])], [f32([1])]);
    expectAllClose(o, [6]);
    expectAllClose(t, [5]);
  });

  it("symbolicZeros: the rule sees a SymbolicZero for an argument that is not differentiated", () => {
    const seen: string[] = [];
    const f = customJvp(function f(x: JArray, y: JArray) {
      return jnp.multiply(x, y);
    });
    f.defjvp(
      function f_jvp([x, y]: JArray[], [tx, ty]: (JArray | SymbolicZero)[]) {
        seen.push(`${tx instanceof SymbolicZero}/${ty instanceof SymbolicZero}`);
        const terms: JArray[] = [];
        if (!(tx instanceof SymbolicZero)) terms.push(jnp.multiply(tx!, y!));
        if (!(ty instanceof SymbolicZero)) terms.push(jnp.multiply(x!, ty!));
        return [f(x!, y!), terms.length === 2 ? jnp.add(terms[0]!, terms[1]!) : terms[0]!];
      },
      { symbolicZeros: true },
    );
    expectAllClose(grad(f)(3, 4), 4);
    expectAllClose(grad(f, { argnums: 1 })(3, 4), 3);
    expectAllClose(jit(grad(f))(3, 4), 4);
    expect(seen).toEqual(["false/true", "true/false", "false/true"]);
    // A rule may return a SymbolicZero for a zero output tangent.
    const g = customJvp(function g(x: JArray) {
      return jnp.floor(x);
    });
    g.defjvp(([x]: JArray[]) => [g(x!), new SymbolicZero(x!.aval)], { symbolicZeros: true });
    expectAllClose(grad(g)(2.5), 0);
  });
});

describe("customJvp under transformations", () => {
  const xs = [0, 1, 2];

  it("the rule is used everywhere (JAX's test_basic with rule 2·cos)", () => {
    expectAllClose(sin2(f32(3)), Math.sin(3));
    expectAllClose(jvp(sin2, [3], [1])[1], 2 * Math.cos(3));
    expectAllClose(grad(sin2)(3), 2 * Math.cos(3));
    expectAllClose(vjp(sin2, 3)[1](1)[0], 2 * Math.cos(3));
    expectAllClose(jacfwd(sin2)(f32(3)), 2 * Math.cos(3));
    expectAllClose(jacrev(sin2)(f32(3)), 2 * Math.cos(3));
    expectAllClose(hessian(sin2)(f32(3)), -2 * Math.sin(3));
  });

  it("vmap ≡ a loop, for f, vmap∘vmap, vmap∘jvp, jvp∘vmap and vmap∘jvp∘vmap (JAX's test_vmap)", () => {
    const x = f32(xs);
    const xx = jnp.reshape(jnp.arange(6, { dtype: "float32" }), [2, 3]);
    expectAllClose(vmap(sin2)(x), stack(xs.map((v) => sin2(f32(v)))));
    expectAllClose(vmap(vmap(sin2))(xx), jnp.sin(xx));
    const jvpSelf = (v: JArray) => jvp(sin2, [v], [v]);
    const [o1, t1] = vmap(jvpSelf)(x) as JArray[];
    expectAllClose(o1, map(xs, Math.sin));
    expectAllClose(t1, map(xs, (v) => 2 * Math.cos(v) * v));
    const [o2, t2] = vmap(vmap(jvpSelf))(xx) as JArray[];
    expectAllClose(o2, jnp.sin(xx));
    expectAllClose(t2, jnp.multiply(jnp.multiply(2, jnp.cos(xx)), xx));
    const [o3, t3] = jvp(vmap(sin2), [x], [x]);
    expectAllClose(o3, map(xs, Math.sin));
    expectAllClose(t3, map(xs, (v) => 2 * Math.cos(v) * v));
    const [, t4] = jvp(vmap(vmap(sin2)), [xx], [xx]);
    expectAllClose(t4, jnp.multiply(jnp.multiply(2, jnp.cos(xx)), xx));
    const [, t5] = vmap((v: JArray) => jvp(vmap(sin2), [v], [v]))(xx) as JArray[];
    expectAllClose(t5, jnp.multiply(jnp.multiply(2, jnp.cos(xx)), xx));
    expectAllClose(grad((v: JArray) => jnp.sum(vmap(sin2)(v)))(x), map(xs, (v) => 2 * Math.cos(v)));
  });

  it("jit ≡ eager: jit, jit∘jit, jit∘jvp, jvp∘jit, grad∘jit, jit∘grad (JAX's test_jit)", () => {
    expectAllClose(jit(sin2)(3), Math.sin(3));
    expectAllClose(jit(jit(sin2))(3), Math.sin(3));
    const [o, t] = jit((v: JArray) => jvp(sin2, [v], [v]))(3) as JArray[];
    expectAllClose(o, Math.sin(3));
    expectAllClose(t, 2 * Math.cos(3) * 3);
    expectAllClose(jvp(jit(sin2), [3], [3])[1], 2 * Math.cos(3) * 3);
    expectAllClose(grad(jit(sin2))(3), 2 * Math.cos(3));
    expectAllClose(jit(grad(sin2))(3), 2 * Math.cos(3));
    expectAllClose(grad(jit(grad(jit(softplus))))(1.5), sigmoid(1.5) * (1 - sigmoid(1.5)), { atol: 1e-7 });
    expectAllClose(jit(vmap(grad(softplus)))(f32([0, 100])), [dLog1pexp(0), dLog1pexp(100)]);
    expectAllClose(vmap(jit(grad(softplus)))(f32([0, 100])), [dLog1pexp(0), dLog1pexp(100)]);
  });

  it("inside lax control flow: cond, scan and while bodies are differentiated with the rule", () => {
    const viaCond = (x: JArray) => lax.cond(jnp.greater(x, 0), (v: JArray) => sin2(v), (v: JArray) => jnp.multiply(v, 0), x);
    expectAllClose(grad(viaCond)(1), 2 * Math.cos(1));
    expectAllClose(jit(grad(viaCond))(1), 2 * Math.cos(1));
    const viaScan = (x: JArray) => lax.scan((c: JArray, _: unknown) => [sin2(c), c], x, null, { length: 2 })[0] as JArray;
    const s1 = Math.sin(0.7);
    expectAllClose(grad(viaScan)(0.7), 2 * Math.cos(s1) * 2 * Math.cos(0.7));
    expectAllClose(vmap(grad(viaScan))(f32([0.7])), [2 * Math.cos(s1) * 2 * Math.cos(0.7)]);
  });

  it("a linear custom function applied to tangents inside another rule is transposed (JAX's test_custom_jvp_transpose_vjp3)", () => {
    const div = customJvp(function div(x: JArray, y: JArray) {
      return jnp.divide(x, y);
    });
    div.defjvp(function div_jvp([x, y]: JArray[], [xDot]: JArray[]) {
      return [div(x!, y!), div(xDot!, y!)];
    });
    const [, pull] = vjp((x: JArray) => div(x, f32(2)), 1);
    expectAllClose(pull(1)[0], 0.5);
    expectAllClose(jit(grad((x: JArray) => div(x, f32(4))))(1), 0.25);
  });

  it("makeJaxpr prints custom_jvp_call as JAX does (test_pretty_print), with closed-over values as numConsts", () => {
    const incr = customJvp(function add_one(x: JArray) {
      return jnp.add(x, 1);
    });
    incr.defjvp(function incr_jvp([x]: JArray[], [t]: JArray[]) {
      return [incr(x!), t!];
    });
    expect(String(makeJaxpr(incr)(f32([4.2])))).toBe(
      [
        "{ lambda ; a:f32[1]. let",
        "    b:f32[1] = custom_jvp_call[",
        "      name=add_one",
        "      callJaxpr={ lambda ; c:f32[1]. let d:f32[1] = add c 1.0:f32[] in (d,) }",
        "      jvp=incr_jvp",
        "      symbolicZeros=False",
        "    ] a",
        "  in (b,) }",
      ].join("\n"),
    );
    // Closing over a traced value: it becomes the leading operand (the concrete [2] is a constvar).
    const closes = (y: JArray) => {
      const scale = customJvp(function scaled(x: JArray) {
        return jnp.multiply(x, y);
      });
      scale.defjvp(function scaled_jvp([x]: JArray[], [t]: JArray[]) {
        return [scale(x!), jnp.multiply(t!, y)];
      });
      return scale(f32([2]));
    };
    expect(String(makeJaxpr(closes)(f32([3])))).toBe(
      [
        "{ lambda a:f32[1]; b:f32[1]. let",
        "    c:f32[1] = custom_jvp_call[",
        "      name=scaled",
        "      callJaxpr={ lambda ; d:f32[1] e:f32[1]. let f:f32[1] = mul e d in (f,) }",
        "      jvp=scaled_jvp",
        "      numConsts=1",
        "      symbolicZeros=False",
        "    ] b a",
        "  in (c,) }",
      ].join("\n"),
    );
  });

  it("a function closing over a vmap tracer batches (JAX's test_closure_with_vmap)", () => {
    const sample = (k: JArray) => {
      const f = customJvp(function f(alpha: JArray) {
        return random.gamma(k, alpha, []);
      });
      f.defjvp(function f_jvp([alpha]: JArray[], [t]: JArray[]) {
        return [f(alpha!), jnp.multiply(t!, 0)];
      });
      return f(f32(2));
    };
    const keys = random.split(random.PRNGKey(1), 3);
    expectAllClose(vmap(sample)(keys), stack([0, 1, 2].map((i) => random.gamma(keys.get(i), 2, []))));
  });
});

describe("customJvp closures over tracers", () => {
  it("a rule may close over values of outer transformations and of an inner vmap", () => {
    // d/dx of grad_y g(y) at y = 1, where g's rule scales tangents by the outer x: 1.
    const h = (x: JArray) =>
      grad((y: JArray) => {
        const g = customJvp(function outerClosure(z: JArray) {
          return jnp.sin(z);
        });
        g.defjvp(([z]: JArray[], [t]: JArray[]) => [g(z!), jnp.multiply(t!, x)]);
        return g(y);
      })(1.0) as JArray;
    expectAllClose(grad(h)(3), 1);
    const bs = [1, 2, 3];
    const k = (x: JArray) =>
      vmap((b: JArray) => {
        const g = customJvp(function batchedClosure(z: JArray) {
          return jnp.multiply(z, b);
        });
        g.defjvp(([z]: JArray[], [t]: JArray[]) => [g(z!), jnp.multiply(t!, b)]);
        return g(x);
      })(f32(bs)) as JArray;
    expectAllClose(jvp(k, [2], [1])[1], bs);
    expectAllClose(grad((x: JArray) => jnp.sum(k(x)))(2), bs.reduce((a, b) => a + b));
  });

  it("a rule closing over a value its own differentiation perturbs raises UnexpectedTracerError", () => {
    const f = (x: JArray) => {
      const g = customJvp(function sameLevel(y: JArray) {
        return jnp.sin(y);
      });
      g.defjvp(([y]: JArray[], [t]: JArray[]) => [g(y!), jnp.multiply(t!, x)]);
      return g(x);
    };
    expect(() => grad(f)(2)).toThrow(UnexpectedTracerError);
    expect(() => jvp(f, [2], [1])).toThrow("closed over a value that is being differentiated by the transformation applying the rule");
  });
});

describe("customJvp errors (JAX's wording)", () => {
  it("no rule", () => {
    const noRule = customJvp(function foo(x: JArray) {
      return jnp.square(x);
    });
    expect(() => noRule(f32(2))).toThrow("No JVP defined for custom_jvp function foo using defjvp.");
    expect(() => grad(noRule)(2)).toThrow("No JVP defined for custom_jvp function foo using defjvp.");
  });

  it("a rule that does not return a pair", () => {
    const notPair = customJvp(function sq(x: JArray) {
      return jnp.square(x);
    });
    notPair.defjvp(function not_pair_jvp(_p: JArray[], [t]: JArray[]) {
      return t as never;
    });
    expect(notPair(f32(2))).toBeDefined();
    expect(() => jvp(notPair, [2], [1])).toThrow(
      "Custom JVP rule not_pair_jvp for function sq must produce a pair (list or tuple of length two) representing primal and tangent outputs, but got",
    );
  });

  it("primal and tangent outputs of different structures, shapes, or a primal unlike the function's", () => {
    const listOut = customJvp(function list_out(x: JArray) {
      return [jnp.square(x)];
    });
    listOut.defjvp(function list_out_jvp([x]: JArray[], [t]: JArray[]) {
      return [listOut(x!), [jnp.multiply(jnp.multiply(2, x!), t!), x!]];
    });
    expect(() => jvp(listOut, [2], [1])).toThrow(
      "Custom JVP rule list_out_jvp for function list_out must produce primal and tangent outputs with equal container (pytree) structures, but got PyTreeDef([*]) and PyTreeDef([*, *]) respectively.",
    );
    const reshaped = customJvp(function sq2(x: JArray) {
      return jnp.square(x);
    });
    reshaped.defjvp(function reshaped_jvp([x]: JArray[], [t]: JArray[]) {
      return [reshaped(x!), jnp.reshape(t!, [1])];
    });
    expect(() => jvp(reshaped, [f32(2)], [f32(1)])).toThrow(
      "Custom JVP rule must produce primal and tangent outputs with corresponding shapes and dtypes. Expected float32[] (tangent type of float32[]) but got float32[1].",
    );
    const wrongPrimal = customJvp(function ident(x: JArray) {
      return x;
    });
    wrongPrimal.defjvp(function ident_jvp() {
      return [jnp.zeros([3]), jnp.zeros([3])];
    });
    // Under jit the function is traced first, so the rule's primal output is checked against it.
    expect(() => jit(grad(wrongPrimal))(f32(1))).toThrow(
      "Custom JVP rule ident_jvp for function ident must produce a pair (list or tuple of length two) where the first element represents the primal output (equal in value to the output of the custom_jvp-decorated function ident, and in particular with leaves of the same shape/dtype), but instead the JVP rule output's first element had shapes/dtypes of:\n    float32[3]\nwhile the custom_jvp-decorated function ident had output shapes/dtypes of:\n    float32[]",
    );
  });

  it("differentiating with respect to a closed-over value raises UnexpectedTracerError (JAX's test_closed_over_tracers_error_message)", () => {
    const f = (x: JArray) => {
      const g = customJvp(function g(y: JArray) {
        return jnp.add(x, y);
      });
      g.defjvp(function g_jvp([y]: JArray[]) {
        return [g(x), jnp.multiply(2, y!)];
      });
      return g(f32(1));
    };
    expect(() => jvp(f, [3], [1])).toThrow(UnexpectedTracerError);
    expect(() => grad(f)(3)).toThrow(UnexpectedTracerError);
    expect(() => grad(f)(3)).toThrow("Detected differentiation of a custom_jvp function with respect to a closed-over value.");
  });
});

// ---- customVjp ---------------------------------------------------------------------------------

const sinTimesVjp = customVjp(function f(x: JArray, y: JArray) {
  return jnp.multiply(jnp.sin(x), y);
});
sinTimesVjp.defvjp(
  function f_fwd(x: JArray, y: JArray) {
    return [sinTimesVjp(x, y), [jnp.cos(x), jnp.sin(x), y]];
  },
  function f_bwd([cosX, sinX, y]: JArray[], g: JArray) {
    return [jnp.multiply(jnp.multiply(cosX!, g), y!), jnp.multiply(sinX!, g)];
  },
);

// The tutorial's clip_gradient: identity whose cotangent is clipped.
const clipGradient = customVjp(function clip_gradient(lo: JArray, hi: JArray, x: JArray) {
  return x;
});
clipGradient.defvjp(
  function clip_gradient_fwd(lo: JArray, hi: JArray, x: JArray) {
    return [x, [lo, hi]];
  },
  function clip_gradient_bwd([lo, hi]: JArray[], g: JArray) {
    return [null, null, jnp.clip(g, lo!, hi!)];
  },
);

// A custom_vjp with a deliberately wrong (doubled) derivative, as JAX's test_basic.
const sinVjp2 = customVjp(function sinVjp2(x: JArray) {
  return jnp.sin(x);
});
sinVjp2.defvjp(
  function f_fwd(x: JArray) {
    return [sinVjp2(x), jnp.cos(x)];
  },
  function f_rev(cosX: JArray, g: JArray) {
    return [jnp.multiply(jnp.multiply(2, cosX), g)];
  },
);

describe("customVjp: the tutorial's examples", () => {
  it("f(x, y) = sin(x)·y: grad in both arguments comes from bwd", () => {
    const [gx, gy] = grad(sinTimesVjp, { argnums: [0, 1] })(2, 3) as JArray[];
    expectAllClose(gx, Math.cos(2) * 3);
    expectAllClose(gy, Math.sin(2));
    expectAllClose(sinTimesVjp(f32(2), f32(3)), Math.sin(2) * 3);
    checkGrads(sinTimesVjp, [f32([0.5, -1]), f32([2, 0.25])], 1, { modes: ["rev"] });
  });

  it("clip_gradient: vmap(grad) of clip_gradient(-0.75, 0.75, sin x) is 0.75·cos x", () => {
    const t = (x: JArray) => clipGradient(f32(-0.75), f32(0.75), jnp.sin(x));
    const xs = [0, 1, 2, 3];
    // The cotangent 1 reaching clip_gradient is clipped to 0.75, then scaled by d sin = cos.
    const want = map(xs, (x) => 0.75 * Math.cos(x));
    expectAllClose(vmap(grad(t))(f32(xs)), want);
    expectAllClose(jit(vmap(grad(t)))(f32(xs)), want);
    expectAllClose(vmap(jit(grad(t)))(f32(xs)), want);
    expectAllClose(t(f32(1)), Math.sin(1));
  });

  it("bwd is used by grad, vjp and jacrev, under jit and vmap (JAX's test_basic/test_jit/test_vmap)", () => {
    const xs = [0, 1, 2];
    const want = map(xs, (x) => 2 * Math.cos(x));
    expectAllClose(grad(sinVjp2)(3), 2 * Math.cos(3));
    expectAllClose(vjp(sinVjp2, 3)[1](1)[0], 2 * Math.cos(3));
    expectAllClose(jacrev(sinVjp2)(f32(3)), 2 * Math.cos(3));
    expectAllClose(vmap(grad(sinVjp2))(f32(xs)), want);
    expectAllClose(grad((v: JArray) => jnp.sum(vmap(sinVjp2)(v)))(f32(xs)), want);
    expectAllClose(grad((v: JArray) => jnp.sum(vmap(vmap(sinVjp2))(jnp.reshape(v, [1, 3]))))(f32(xs)), want);
    expectAllClose(jit(grad(sinVjp2))(3), 2 * Math.cos(3));
    expectAllClose(grad(jit(sinVjp2))(3), 2 * Math.cos(3));
    expectAllClose(jit(sinVjp2)(3), Math.sin(3));
    expectAllClose(vmap(sinVjp2)(f32(xs)), stack(xs.map((x) => sinVjp2(f32(x)))));
  });

  it("grad of grad differentiates bwd (and the residuals of fwd)", () => {
    // d/dx [2 cos x] = -2 sin x.
    expectAllClose(grad(grad(sinVjp2))(1.3), -2 * Math.sin(1.3));
    expectAllClose(jit(grad(grad(sinVjp2)))(1.3), -2 * Math.sin(1.3));
    expectAllClose(vmap(grad(grad(sinVjp2)))(f32([0.2, 1.3])), [-2 * Math.sin(0.2), -2 * Math.sin(1.3)]);
    // Forward over reverse differentiates bwd too when fwd computes the output without calling
    // the custom function; when fwd calls it, that call is forward mode through a custom_vjp
    // and raises, as in JAX.
    const direct = customVjp(function direct(x: JArray) {
      return jnp.sin(x);
    });
    direct.defvjp(
      (x: JArray) => [jnp.sin(x), jnp.cos(x)],
      (cosX: JArray, g: JArray) => [jnp.multiply(jnp.multiply(2, cosX), g)],
    );
    expectAllClose(jvp(grad(direct), [1.3], [1])[1], -2 * Math.sin(1.3));
    expectAllClose(hessian(direct)(f32(1.3)), -2 * Math.sin(1.3));
    expect(() => jvp(grad(sinVjp2), [1.3], [1])).toThrow("can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
  });

  it("inside lax control flow: bwd transposes the custom_lin of cond and scan bodies", () => {
    const viaCond = (x: JArray) => lax.cond(jnp.greater(x, 0), (v: JArray) => sinVjp2(v), (v: JArray) => jnp.multiply(v, 0), x);
    expectAllClose(grad(viaCond)(1), 2 * Math.cos(1));
    expectAllClose(jit(grad(viaCond))(1), 2 * Math.cos(1));
    expectAllClose(vmap(grad(viaCond))(f32([1, -1])), [2 * Math.cos(1), 0]);
    const viaScan = (x: JArray) => lax.scan((c: JArray, _: unknown) => [sinVjp2(c), c], x, null, { length: 2 })[0] as JArray;
    expectAllClose(grad(viaScan)(0.7), 2 * Math.cos(Math.sin(0.7)) * 2 * Math.cos(0.7));
    expectAllClose(jit(grad(viaScan))(0.7), 2 * Math.cos(Math.sin(0.7)) * 2 * Math.cos(0.7));
  });

  it("pytrees, and nulls for zero cotangents anywhere in bwd's output (JAX's test_bwd_nones*)", () => {
    const f = customVjp(function f(x: JArray, y: JArray) {
      return jnp.multiply(x, jnp.sin(y));
    });
    f.defvjp(
      (x: JArray, y: JArray) => [f(x, y), jnp.cos(y)],
      (cos: JArray, g: JArray) => [null, jnp.multiply(jnp.multiply(2, cos), g)],
    );
    expectAllClose(grad((x: JArray) => f(x, x))(3), 2 * Math.cos(3));
    expectAllClose(grad((x: JArray) => jnp.sum(vmap(f)(x, x)))(f32([0, 1, 2])), map([0, 1, 2], (v) => 2 * Math.cos(v)));
    const g = customVjp(function g(xs: JArray[], y: { a: JArray; b: JArray }) {
      return jnp.multiply(jnp.multiply(xs[0]!, xs[1]!), jnp.sin(jnp.add(y.a, y.b)));
    });
    g.defvjp(
      (xs: JArray[], y: { a: JArray; b: JArray }) => [g(xs, y), jnp.cos(jnp.add(y.a, y.b))],
      (cos: JArray, ct: JArray) => [null, { a: jnp.multiply(cos, ct), b: null }],
    );
    expectAllClose(grad((x: JArray) => g([x, x], { a: x, b: x }))(0.4), Math.cos(0.8));
  });

  it("nondiffArgnums: a function-valued argument reaches bwd first", () => {
    const app = customVjp(
      function app(f: (x: JArray) => JArray, x: JArray) {
        return f(x);
      },
      { nondiffArgnums: [0] },
    );
    app.defvjp(
      (f: (x: JArray) => JArray, x: JArray) => [f(x), x],
      (f: (x: JArray) => JArray, x: JArray, g: JArray) => [jnp.multiply(jvp(f, [x], [jnp.onesLike(x)])[1] as JArray, jnp.multiply(g, 10))],
    );
    expectAllClose(grad((x: JArray) => app(jnp.sin, x))(0.5), 10 * Math.cos(0.5));
    expectAllClose(vmap(grad((x: JArray) => app(jnp.sin, x)))(f32([0.5])), [10 * Math.cos(0.5)]);
  });

  it("closed-over tracers: vmap batches them; bwd may close over jit/vmap/grad tracers (JAX's tests)", () => {
    const outer = (x: JArray) => {
      const f = customVjp(function f(y: JArray) {
        return jnp.multiply(x, y);
      });
      f.defvjp(
        (y: JArray) => [f(y), [x, jnp.cos(y)]],
        ([xr, cosY]: JArray[], g: JArray) => [jnp.multiply(jnp.multiply(cosY!, g), xr!)],
      );
      return f;
    };
    const xs = [0, 1, 2];
    expectAllClose(vmap((x: JArray) => outer(x)(f32(3)))(f32(xs)), map(xs, (x) => 3 * x));
    expectAllClose(vmap((x: JArray) => grad(outer(x))(f32(3)))(f32(xs)), map(xs, (x) => Math.cos(3) * x));

    const h = (y: JArray) => {
      const f = customVjp(function f(x: JArray) {
        return jnp.multiply(2, jnp.sin(x));
      });
      f.defvjp(
        (x: JArray) => [f(x), []],
        (_: unknown, g: JArray) => [jnp.multiply(jnp.multiply(2, jnp.cos(y)), g)],
      );
      return grad(f)(1);
    };
    expectAllClose(jit(h)(2), 2 * Math.cos(2));
    expectAllClose(vmap(h)(f32(xs)), map(xs, (y) => 2 * Math.cos(y)));
    expectAllClose(jit(vmap(h))(f32(xs)), map(xs, (y) => 2 * Math.cos(y)));
    expectAllClose(vmap(jit(h))(f32(xs)), map(xs, (y) => 2 * Math.cos(y)));
    expectAllClose(grad(h)(4), -2 * Math.sin(4));
  });

  it("makeJaxpr prints custom_vjp_call (test_pretty_print) and custom_lin under jvp (test_custom_lin_pretty_print, before JAX's DCE)", () => {
    const incrV = customVjp(function add_one_v(x: JArray) {
      return jnp.add(x, 1);
    });
    incrV.defvjp(
      function incr_fwd(x: JArray) {
        return [incrV(x), []];
      },
      function incr_bwd(_: unknown, g: JArray) {
        return [g];
      },
    );
    expect(String(makeJaxpr(incrV)(f32([4.2])))).toBe(
      [
        "{ lambda ; a:f32[1]. let",
        "    b:f32[1] = custom_vjp_call[",
        "      name=add_one_v",
        "      bwd=incr_bwd",
        "      callJaxpr={ lambda ; c:f32[1]. let d:f32[1] = add c 1.0:f32[] in (d,) }",
        "      fwd=incr_fwd",
        "      symbolicZeros=False",
        "    ] a",
        "  in (b,) }",
      ].join("\n"),
    );
    expect(String(makeJaxpr((x: JArray) => jvp(incrV, [x], [x]))(f32([4.2])))).toBe(
      [
        "{ lambda ; a:f32[1]. let",
        "    b:f32[1] = custom_vjp_call[",
        "      name=add_one_v",
        "      bwd=incr_bwd",
        "      callJaxpr={ lambda ; c:f32[1]. let d:f32[1] = add c 1.0:f32[] in (d,) }",
        "      fwd=incr_fwd",
        "      symbolicZeros=False",
        "    ] a",
        "    e:f32[1] = custom_lin[",
        "      bwd=incr_bwd",
        "      inZeros=(False,)",
        "      numRes=0",
        "      symbolicZeros=False",
        "    ] a",
        "  in (b, e) }",
      ].join("\n"),
    );
  });
});

describe("customVjp errors (JAX's wording)", () => {
  it("forward mode raises: jvp, jvp∘vmap, jvp∘jit, jacfwd (JAX's test_jvp_error)", () => {
    const msg = "can't apply forward-mode autodiff (jvp) to a custom_vjp function.";
    expect(() => jvp(sinVjp2, [3], [1])).toThrow(msg);
    expect(() => jvp(vmap(sinVjp2), [jnp.arange(3, { dtype: "float32" })], [jnp.ones([3])])).toThrow(msg);
    expect(() => jvp(jit(sinVjp2), [3], [1])).toThrow(msg);
    expect(() => jacfwd(sinVjp2)(f32([1, 2]))).toThrow(msg);
  });

  it("no rule; fwd not returning a pair; fwd output unlike the function's", () => {
    const noVjp = customVjp(function bar(x: JArray) {
      return jnp.square(x);
    });
    expect(() => noVjp(f32(2))).toThrow("No VJP defined for custom_vjp function bar using defvjp.");
    expect(() => grad(noVjp)(2)).toThrow("No VJP defined for custom_vjp function bar using defvjp.");
    noVjp.defvjp(
      function bar_fwd(x: JArray) {
        return x;
      },
      (_: unknown, g: JArray) => [g],
    );
    expect(() => grad(noVjp)(2)).toThrow("Custom VJP fwd rule bar_fwd for function bar must produce a pair (list or tuple of length two)");
    const wrongFwd = customVjp(function baz(x: JArray) {
      return x;
    });
    wrongFwd.defvjp(
      function baz_fwd(x: JArray) {
        return [jnp.zeros([3, ...x.shape]), null];
      },
      (_: unknown, g: JArray) => [g],
    );
    expect(() => grad((x: JArray) => jit(wrongFwd)(x))(f32(1))).toThrow(
      "Custom VJP fwd rule baz_fwd for function baz must produce a pair (list or tuple of length two) where the first element represents the primal output (equal to the output of the custom_vjp-decorated function baz) and the second element represents residuals (i.e. values stored from the forward pass for use on the backward pass), but instead the fwd rule output's first element had shapes/dtypes of:\n    float32[3]\nwhile the custom_vjp-decorated function baz had output shapes/dtypes of:\n    float32[]",
    );
  });

  it("bwd of the wrong structure or shape", () => {
    const f = customVjp(function f(x: JArray) {
      return x;
    });
    f.defvjp(
      (x: JArray) => [x, null],
      (_: unknown, g: JArray) => [g, g],
    );
    expect(() => grad(f)(2)).toThrow(
      "Custom VJP bwd rule must produce an output with the same container (pytree) structure as the args tuple of the primal function, and in particular must produce a tuple of length equal to the number of arguments to the primal function, but got bwd output structure PyTreeDef([*, *]) for primal input structure PyTreeDef([*]).",
    );
    const badShape = customVjp(function qux(x: JArray) {
      return x;
    });
    badShape.defvjp(
      (x: JArray) => [x, null],
      () => [jnp.zeros([2])],
    );
    expect(() => grad(badShape)(2)).toThrow(
      "Custom VJP bwd rule attached to qux must produce an output with the same type as the args tuple of the primal function, but at output[0] the bwd rule produced an output of type float32[2] corresponding to an input of type float32[]",
    );
  });

  it("a tracer in a nondiff position; differentiating with respect to a closed-over value", () => {
    const f = customVjp(
      function f(x: JArray, y: JArray) {
        return jnp.multiply(x, y);
      },
      { nondiffArgnums: [0] },
    );
    f.defvjp(
      (x: JArray, y: JArray) => [f(x, y), null],
      (x: JArray, _: unknown, g: JArray) => [jnp.multiply(x, g)],
    );
    expect(() => grad((x: JArray) => f(x, x))(3)).toThrow(UnexpectedTracerError);
    expect(() => grad((x: JArray) => f(x, x))(3)).toThrow(
      "Found a JAX Tracer object passed as an argument to a custom_vjp function in a position indicated by nondiff_argnums as non-differentiable.",
    );
    const closes = (x: JArray) => {
      const g = customVjp(function g(y: JArray) {
        return jnp.multiply(x, y);
      });
      g.defvjp(
        (y: JArray) => [g(y), null],
        (_: unknown, ct: JArray) => [ct],
      );
      return g(f32(2));
    };
    expect(() => grad(closes)(3)).toThrow(CustomVJPException);
    expect(() => grad(closes)(3)).toThrow("Detected differentiation of a custom_vjp function with respect to a closed-over value.");
  });
});

// ---- library functions with custom rules -------------------------------------------------------

describe("jnp functions whose derivatives come from custom rules (as JAX's)", () => {
  it("sinc: every derivative at 0 from the Maclaurin series π^k (-1)^(k/2) / (k+1); 0 at ±inf", () => {
    let d: (x: JArray) => JArray = jnp.sinc;
    for (let k = 0; k <= 4; k++) {
      const want = k % 2 === 1 ? 0 : Math.PI ** k * (-1) ** (k / 2) / (k + 1);
      expectAllClose(d(f32(0)), want, { rtol: 1e-5, atol: 1e-6 });
      d = grad(d);
    }
    expectAllClose(jit(grad(grad(jnp.sinc)))(0), -(Math.PI ** 2) / 3, { rtol: 1e-6 });
    expectAllClose(vmap(grad(grad(jnp.sinc)))(f32([0, 0])), [-(Math.PI ** 2) / 3, -(Math.PI ** 2) / 3], { rtol: 1e-6 });
    expectAllClose(jnp.sinc(f32([Infinity, -Infinity])), [0, 0]);
    checkGrads(jnp.sinc, [f32([0.3, -1.7, 2.2])], 2);
  });

  it("logaddexp/logaddexp2: Hessian p(1-p) at ties (the max/abs form gives 0), JAX's rule at -inf, finite differences", () => {
    const la = (v: JArray) => jnp.logaddexp(v.get(0), v.get(1));
    for (const [a, b] of [
      [1, 1],
      [0.5, -1],
    ] as const) {
      const p = 1 / (1 + Math.exp(b - a));
      const q = p * (1 - p);
      expectAllClose(hessian(la)(f32([a, b])), [
        [q, -q],
        [-q, q],
      ]);
    }
    const la2 = (v: JArray) => jnp.logaddexp2(v.get(0), v.get(1));
    // d²/dx1² log2(2^x1 + 2^x2) = ln2 · p(1-p) with p = 2^x1 / (2^x1 + 2^x2).
    expectAllClose(hessian(la2)(f32([2, 2])), [
      [Math.LN2 / 4, -Math.LN2 / 4],
      [-Math.LN2 / 4, Math.LN2 / 4],
    ]);
    const [g1, g2] = grad(jnp.logaddexp, { argnums: [0, 1] })(2, -Infinity) as JArray[];
    expectAllClose(g1, 1);
    expectAllClose(g2, 0);
    checkGrads(jnp.logaddexp, [f32([0.3, -2, 5]), f32([1.1, -2.5, -3])], 2);
    checkGrads(jnp.logaddexp2, [f32([0.3, -2]), f32([1.1, -2.5])], 2);
  });
});

/** det by Laplace expansion in float64, and the cofactor matrix (the gradient of det). */
const detF64 = (m: number[][]): number =>
  m.length === 1 ? m[0]![0]! : m[0]!.reduce((s, v, j) => s + (-1) ** j * v * detF64(minor(m, 0, j)), 0);
const minor = (m: number[][], i: number, j: number) => m.filter((_, r) => r !== i).map((row) => row.filter((_, c) => c !== j));
const cofactors = (m: number[][]) => m.map((row, i) => row.map((_, j) => (-1) ** (i + j) * detF64(minor(m, i, j))));

describe("jnp.linalg.det: JAX's explicit 2×2/3×3 formulas and cofactor rule, finite at singular matrices", () => {
  const cases: [string, number[][]][] = [
    ["rank 3 of 4", [[1, 2, 3, 4], [2, 4, 6, 8], [0, 1, 5, 2], [3, 1, 0, 7]]],
    ["rank 2 of 4", [[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12], [3, 1, 0, 7]]],
    ["nonsingular 4×4", [[2, 1, 0, 0], [1, 3, 1, 0], [0, 1, 4, 1], [0, 0, 1, 5]]],
    ["nonsingular 5×5", [[4, 1, 0, 2, 0], [1, 3, 1, 0, 1], [0, 1, 4, 1, 2], [2, 0, 1, 5, 1], [0, 1, 2, 1, 3]]],
    ["singular 2×2", [[1, 2], [2, 4]]],
    ["singular 3×3", [[1, 2, 3], [2, 4, 6], [1, 0, 1]]],
  ];
  for (const [what, m] of cases) {
    it(`grad(det) is the cofactor matrix: ${what}`, () => {
      const a = f32(m as never);
      expectAllClose(jnp.linalg.det(a), detF64(m), { atol: 1e-4, rtol: 1e-5 });
      expectAllClose(grad(jnp.linalg.det)(a), cofactors(m), { atol: 1e-4, rtol: 1e-5 });
    });
  }

  it("under jit and vmap, and to second order (finite differences)", () => {
    const [, , c4, c5] = cases.map(([, m]) => m);
    const batch = f32([cases[0]![1], c4!] as never);
    expectAllClose(vmap(grad(jnp.linalg.det))(batch), [cofactors(cases[0]![1]), cofactors(c4!)], { atol: 1e-4, rtol: 1e-5 });
    expectAllClose(jit(grad(jnp.linalg.det))(f32(c5 as never)), cofactors(c5!), { atol: 1e-3, rtol: 1e-5 });
    checkGrads(jnp.linalg.det, [jnp.multiply(f32(c4 as never), 0.5)], 2);
  });
});

describe("random.gamma: JAX's derivative in a as a custom rule, to second order", () => {
  const fx = JSON.parse(readFileSync(new URL("../fixtures/custom_derivatives.json", import.meta.url), "utf8")).gamma_second as {
    key_seed: number;
    alphas: number[];
    gamma: number[];
    gamma_d2: number[];
    loggamma: number[];
    loggamma_d2: number[];
  };
  const key = random.PRNGKey(fx.key_seed);
  const alphas = f32(fx.alphas);

  it("forward over reverse gives d²x/da² at fixed CDF value (mpmath)", () => {
    expectAllClose(random.gamma(key, alphas), fx.gamma, { rtol: 1e-5 });
    const g = grad((a: JArray) => jnp.sum(random.gamma(key, a)));
    expectAllClose(jvp(g, [alphas], [jnp.onesLike(alphas)])[1], fx.gamma_d2, { rtol: 2e-3, atol: 1e-5 });
    expectAllClose(random.loggamma(key, alphas), fx.loggamma, { rtol: 1e-5, atol: 1e-6 });
    const lg = grad((a: JArray) => jnp.sum(random.loggamma(key, a)));
    expectAllClose(jvp(lg, [alphas], [jnp.onesLike(alphas)])[1], fx.loggamma_d2, { rtol: 2e-3, atol: 1e-5 });
  });

  it("reverse over reverse raises JAX's while_loop error (the rule's own derivative runs through while loops)", () => {
    const g = grad((a: JArray) => jnp.sum(random.gamma(key, a)));
    expect(() => grad((a: JArray) => jnp.sum(g(a)))(alphas)).toThrow("Reverse-mode differentiation does not work for lax.while_loop");
  });
});

describe("README: Custom derivatives", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

  it("the section's examples give the stated results (checked against their formulas)", () => {
    expectAllClose(grad(softplus)(100.0), dLog1pexp(100));
    expectAllClose(jit(vmap(grad(softplus)))(jnp.array([0, 100])), [dLog1pexp(0), dLog1pexp(100)]);
    const clip = customVjp(function clip_gradient(_lo: JArray, _hi: JArray, x: JArray) {
      return x;
    });
    clip.defvjp(
      (lo: JArray, hi: JArray, x: JArray) => [x, [lo, hi]],
      ([lo, hi]: JArray[], g: JArray) => [null, null, jnp.clip(g, lo!, hi!)],
    );
    expectAllClose(grad((x: JArray) => clip(-0.75 as never, 0.75 as never, jnp.sin(x)))(0.0), Math.min(0.75, 1) * Math.cos(0));
  });

  it("the printed jaxpr in the README is what makeJaxpr prints", () => {
    const at = readme.indexOf("String(makeJaxpr(log1pexp)(1.0));");
    expect(at).toBeGreaterThan(0);
    const block = readme.slice(at, readme.indexOf("```", at)).split("\n").slice(1);
    const printed = block.filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n");
    expect(String(makeJaxpr(softplus)(1.0))).toBe(printed);
  });
});
