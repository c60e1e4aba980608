// Errors of the transformations: class names and JAX's wording (taken from JAX's source and
// docs): ConcretizationTypeError / TracerBoolConversionError for concrete conversions of tracers,
// UnexpectedTracerError for leaked tracers, grad of non-scalar outputs and of integer inputs,
// broadcasting errors naming the shapes, vmap axis errors, and jvp/vjp structure mismatches.
import { describe, expect, it } from "vitest";
import {
  ConcretizationTypeError,
  TracerBoolConversionError,
  UnexpectedTracerError,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  vjp,
  vmap,
  numpy as jnp,
} from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";

/** Runs fn, expecting it to throw an instance of cls; returns the error. */
function thrown<E extends Error>(fn: () => unknown, cls: new (...a: any[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected ${cls.name} to be thrown, but nothing was`);
}

const absVal = (x: JArray) => (Number(x) > 0 ? x : jnp.negative(x));

describe("concretization under jit and vmap", () => {
  it("Number(x) of a traced float raises ConcretizationTypeError with JAX's wording", () => {
    const e = thrown(() => jit(absVal)(1.0), ConcretizationTypeError);
    expect(e.name).toBe("ConcretizationTypeError");
    expect(e.message).toMatch(/^Abstract tracer value encountered where concrete value is expected: traced array with shape float32\[\]/);
    expect(e.message).toContain("https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError");
  });

  it("the other concrete conversions (+x, x.item(), x.tolist(), comparison) raise it too", () => {
    const x = jnp.array([1, 2, 3]);
    thrown(() => jit((y: JArray) => jnp.multiply(y, +lax.reduceSum(y, [0])))(x), ConcretizationTypeError);
    thrown(() => jit((y: JArray) => jnp.multiply(y, lax.reduceSum(y, [0]).item() as number))(x), ConcretizationTypeError);
    thrown(() => jit((y: JArray) => (y.tolist(), y))(x), ConcretizationTypeError);
    thrown(() => jit((y: JArray) => ((y as unknown as number) > 0 ? y : jnp.negative(y)))(2.0), ConcretizationTypeError);
  });

  it("Number of a traced bool raises TracerBoolConversionError (a ConcretizationTypeError)", () => {
    const f = (x: JArray) => (Number(jnp.greater(x, 0)) ? x : jnp.negative(x));
    const e = thrown(() => jit(f)(1.0), TracerBoolConversionError);
    expect(e).toBeInstanceOf(ConcretizationTypeError);
    expect(e.name).toBe("TracerBoolConversionError");
    expect(e.message).toMatch(/^Attempted boolean conversion of traced array with shape bool\[\]\./);
  });

  it("vmap raises the same errors (values differ per example)", () => {
    thrown(() => vmap(absVal)(jnp.array([1, -2])), ConcretizationTypeError);
    thrown(() => vmap((x: JArray) => (Number(jnp.greater(x, 0)) ? x : x))(jnp.array([1, -2])), TracerBoolConversionError);
  });

  it("grad and jvp keep concrete values: the same branches work there", () => {
    expect(Number(grad(absVal)(-3.0))).toBe(-1);
    expect(Number(jvp(absVal, [-3.0], [1.0])[1])).toBe(-1);
    expect(Number(grad((x: JArray) => (Number(jnp.greater(x, 0)) ? x : jnp.multiply(x, x)))(-3.0))).toBe(-6);
  });
});

describe("UnexpectedTracerError for leaked tracers", () => {
  const expectLeak = (e: Error) => {
    expect(e.name).toBe("UnexpectedTracerError");
    expect(e.message).toMatch(/^Encountered an unexpected tracer\. A function transformed by JAX had a side effect/);
    expect(e.message).toContain("float32[]");
  };

  it("a tracer saved from inside jit, used later eagerly or in another jit", () => {
    let leaked: JArray | null = null;
    const f = jit((x: JArray) => {
      leaked = x;
      return jnp.multiply(x, x);
    });
    expect(Number(f(2.0))).toBe(4);
    expectLeak(thrown(() => jnp.add(leaked!, 1), UnexpectedTracerError));
    expectLeak(thrown(() => jit((y: JArray) => jnp.add(leaked!, y))(1.0), UnexpectedTracerError));
  });

  it("a tracer saved from inside grad or vmap, used later", () => {
    let leaked: JArray | null = null;
    grad((x: JArray) => {
      leaked = jnp.sin(x);
      return jnp.multiply(x, x);
    })(2.0);
    expectLeak(thrown(() => jnp.add(leaked!, 1), UnexpectedTracerError));
    expectLeak(thrown(() => grad((y: JArray) => jnp.multiply(leaked!, y))(1.0), UnexpectedTracerError));
    let leakedV: JArray | null = null;
    vmap((x: JArray) => {
      leakedV = x;
      return x;
    })(jnp.array([1, 2]));
    expectLeak(thrown(() => jnp.add(leakedV!, 1), UnexpectedTracerError));
  });
});

describe("after an error inside a transformation", () => {
  it("the interpreter stack is restored: eager ops run eagerly and transformations work again", () => {
    expect(() => jit(absVal)(1.0)).toThrow(ConcretizationTypeError);
    expect(() =>
      grad(() => {
        throw new RangeError("boom");
      })(1.0),
    ).toThrow(RangeError);
    let leaked: JArray | null = null;
    expect(() =>
      vmap((x: JArray) => {
        leaked = x;
        throw new RangeError("boom");
      })(jnp.array([1, 2])),
    ).toThrow(RangeError);
    expect(jnp.sin(1.0).constructor.name).toBe("ArrayImpl");
    expect(Number(grad(jnp.sin)(0.0))).toBe(1);
    expect(String(makeJaxpr(jnp.sin)(1.0))).toBe("{ lambda ; a:f32[]. let b:f32[] = sin a in (b,) }");
    thrown(() => jnp.add(leaked!, 1), UnexpectedTracerError);
  });
});

describe("grad's input and output checks", () => {
  it("non-scalar output", () => {
    const e = thrown(() => grad(jnp.sin)(jnp.array([1, 2, 3])), TypeError);
    expect(e.message).toBe("Gradient only defined for scalar-output functions. Output had shape: (3,).");
    const e2 = thrown(() => grad((x: JArray) => lax.broadcastInDim(x, [2, 3], []))(1.0), TypeError);
    expect(e2.message).toBe("Gradient only defined for scalar-output functions. Output had shape: (2, 3).");
  });

  it("integer input", () => {
    const e = thrown(() => grad((x: JArray) => jnp.multiply(x, x))(jnp.array(3, { dtype: "int32" })), TypeError);
    expect(e.message).toMatch(
      /^grad requires real- or complex-valued inputs \(input dtype that is a sub-dtype of np\.inexact\), but got int32\. If you want to use Boolean- or integer-valued inputs, use vjp or set allowInt to true\./,
    );
    // argnums selects the checked inputs: an integer argument that is not differentiated is fine.
    const g = grad((x: JArray, n: JArray) => jnp.multiply(x, n.astype("float32")), { argnums: 0 });
    expect(Number(g(2.0, jnp.array(3, { dtype: "int32" })))).toBe(3);
  });

  it("integer output", () => {
    const e = thrown(() => grad((x: JArray) => jnp.greater(x, 0).astype("int32"))(1.0), TypeError);
    expect(e.message).toMatch(/^grad requires real-valued outputs \(output dtype that is a sub-dtype of np\.floating\), but got int32/);
  });

  it("argnums out of range", () => {
    thrown(() => grad((x: JArray) => x, { argnums: 1 })(1.0), RangeError);
  });
});

describe("shape errors name the shapes", () => {
  it("jnp broadcasting", () => {
    const e = thrown(() => jnp.add(jnp.array([1, 2, 3]), jnp.array([1, 2])), Error);
    expect(e.name).toBe("ValueError");
    expect(e.message).toBe("Incompatible shapes for broadcasting: shapes=[(3,), (2,)]");
  });

  it("lax elementwise ops with unequal shapes (JAX: 'add got incompatible shapes for broadcasting: (3,), (2,).')", () => {
    const e = thrown(() => lax.add(jnp.array([1, 2, 3]), jnp.array([1, 2])), TypeError);
    expect(e.message).toBe("add got incompatible shapes for broadcasting: (3,), (2,).");
  });

  it("broadcasting errors raised while tracing under jit and inside grad", () => {
    const e = thrown(() => jit((x: JArray) => jnp.add(x, jnp.array([1, 2])))(jnp.array([1, 2, 3])), Error);
    expect(e.message).toContain("(3,)");
    const e2 = thrown(() => grad((x: JArray) => lax.reduceSum(jnp.multiply(x, jnp.array([1, 2])), [0]))(jnp.array([1, 2, 3])), Error);
    expect(e2.message).toContain("(2,)");
  });
});

describe("vmap argument errors", () => {
  it("inconsistent sizes, as JAX words it", () => {
    const e = thrown(() => vmap(jnp.add)(jnp.array([1, 2, 3]), jnp.array([1, 2])), Error);
    expect(e.message).toBe(
      "vmap got inconsistent sizes for array axes to be mapped:\n" +
        "  * one axis had size 3: axis 0 of args[0] of type float32[3];\n" +
        "  * one axis had size 2: axis 0 of args[1] of type float32[2]",
    );
    const e2 = thrown(
      () => vmap((a: JArray, d: { u: JArray; v: JArray }) => jnp.add(a, jnp.add(d.u, d.v)))(lax.full([2], 0, "float32"), { u: lax.full([2], 0, "float32"), v: lax.full([3, 2], 0, "float32") }),
      Error,
    );
    expect(e2.message).toBe(
      "vmap got inconsistent sizes for array axes to be mapped:\n" +
        "  * most axes (2 of them) had size 2, e.g. axis 0 of args[0] of type float32[2];\n" +
        "  * one axis had size 3: axis 0 of args[1]['v'] of type float32[3,2]",
    );
  });

  it("an axis beyond the rank", () => {
    const e = thrown(() => vmap(jnp.sin, { inAxes: 1 })(jnp.array([1, 2, 3])), Error);
    expect(e.message).toBe(
      "vmap was requested to map its argument along axis 1, which implies that its rank should be at least 2, but is only 1 (its shape is (3,))",
    );
  });

  it("no mapped axis, and in_axes of the wrong length", () => {
    expect(thrown(() => vmap(jnp.sin, { inAxes: null })(jnp.array([1, 2])), Error).message).toMatch(
      /^vmap must have at least one non-None value in in_axes/,
    );
    expect(thrown(() => vmap(jnp.add, { inAxes: [0] })(jnp.array([1]), jnp.array([2])), Error).message).toBe(
      "vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got len(in_axes)=1, len(args)=2",
    );
  });

  it("a mapped output with outAxes null", () => {
    thrown(() => vmap(jnp.sin, { outAxes: null })(jnp.array([1, 2])), Error);
  });
});

describe("jvp and vjp argument checks", () => {
  const sq = (x: JArray) => jnp.multiply(x, x);

  it("mismatched primal/tangent structures", () => {
    const e = thrown(() => jvp(sq, [1.0], [[1.0]]), TypeError);
    expect(e.message).toMatch(/^primal and tangent arguments to jax\.jvp must have the same tree structure; primals have tree structure .* whereas tangents have tree structure .*\.$/);
    thrown(() => jvp((x: JArray, y: JArray) => jnp.multiply(x, y), [1.0, 2.0], [1.0]), TypeError);
    thrown(() => jvp(sq, [{ a: 1.0 }], [{ b: 1.0 }]), TypeError);
  });

  it("mismatched shapes and dtypes", () => {
    const e = thrown(() => jvp(sq, [jnp.array([1, 2])], [jnp.array([1, 2, 3])]), Error);
    expect(e.message).toBe("jvp called with different primal and tangent shapes;Got primal shape (2,) and tangent shape as (3,)");
    thrown(() => jvp(sq, [jnp.array([1, 2, 3])], [1.0]), Error);
    const e2 = thrown(() => jvp(sq, [jnp.array([1, 2])], [jnp.array([1, 2], { dtype: "int32" })]), TypeError);
    expect(e2.message).toBe(
      "primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or in case of int/bool primal dtype the tangent dtype must be float0.Got primal dtype float32 and so expected tangent dtype float32, but got tangent dtype int32 instead.",
    );
  });

  it("a cotangent of the wrong structure or shape for vjp", () => {
    const [, pull] = vjp((x: JArray) => [x, jnp.sin(x)], jnp.array([1, 2]));
    thrown(() => pull(jnp.array([1, 1])), TypeError);
    thrown(() => pull([jnp.array([1, 1]), jnp.array([1, 1, 1])]), TypeError);
  });
});
