// Tests for the `fft` primitive and jnp.fft over packed complex arrays (trailing (re, im) axis):
// values against NumPy's np.fft fixtures (scripts/gen_fft_fixtures.py: powers of two and not,
// 1-D/2-D/n-D, axes, n/s padding and truncation, every norm), round trips and Parseval's
// identity, numerical gradient checks of orders 1–2 in both modes (which exercise the transpose
// rules), vmap ≡ loop, jit ≡ eager, the printed jaxpr and error messages.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jit, lax, makeJaxpr, numpy as jnp, vjp, vmap } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { randArray, take } from "../util/arrays.js";
import { checkGrads, expectAllClose } from "../util/check.js";

type Nested = number | Nested[];
interface Case {
  fn: string;
  x: Nested;
  shape: number[];
  complex: boolean;
  opts: Record<string, unknown>;
  out: Nested;
  outShape: number[];
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/fft.json", import.meta.url), "utf8")) as {
  cases: Case[];
  freqs: { n: number; d: number; fftfreq: number[]; rfftfreq: number[] }[];
  shifts: { x: Nested; axes: number | number[] | null; complex: boolean; fftshift: Nested; ifftshift: Nested }[];
};

type FftFn = (a: JaxArray, opts?: Record<string, unknown>) => JaxArray;
const fns = jnp.fft as unknown as Record<string, FftFn>;

/** The options object as jaxts spells it (fixtures carry NumPy's null norm for the default). */
function optsOf(c: Case): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.opts };
  if (o.norm === null) delete o.norm;
  if (c.complex) o.complex = true;
  return o;
}

function withX64(): void {
  let saved = false;
  beforeAll(() => {
    saved = config.read("jax_enable_x64") as boolean;
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));
}

describe("jnp.fft against NumPy (float64)", () => {
  withX64();
  it("every fixture case", () => {
    for (const c of FIX.cases) {
      const x = jnp.array(c.x, { dtype: "float64" });
      const y = fns[c.fn]!(x, optsOf(c));
      const msg = `${c.fn}(${JSON.stringify(c.shape)}, ${JSON.stringify(c.opts)})`;
      expect(y.shape, msg).toEqual(c.outShape);
      expectAllClose(y, jnp.array(c.out, { dtype: "float64" }), { atol: 1e-11, rtol: 1e-11, msg });
    }
  });

  it("fftfreq, rfftfreq, fftshift, ifftshift", () => {
    for (const f of FIX.freqs) {
      expectAllClose(jnp.fft.fftfreq(f.n, f.d, { dtype: "float64" }), jnp.array(f.fftfreq, { dtype: "float64" }));
      expectAllClose(jnp.fft.rfftfreq(f.n, f.d, { dtype: "float64" }), jnp.array(f.rfftfreq, { dtype: "float64" }));
    }
    for (const s of FIX.shifts) {
      const x = jnp.array(s.x, { dtype: "float64" });
      const o = { axes: s.axes, complex: s.complex };
      expect(jnp.fft.fftshift(x, o).tolist()).toEqual(s.fftshift);
      expect(jnp.fft.ifftshift(x, o).tolist()).toEqual(s.ifftshift);
    }
  });
});

describe("jnp.fft float32", () => {
  it("matches the float64 fixtures to float32 accuracy and keeps float32; gradients in float32", () => {
    for (const c of FIX.cases.filter((_, i) => i % 5 === 0)) {
      const y = fns[c.fn]!(jnp.array(c.x, { dtype: "float32" }), optsOf(c));
      expect(y.dtype).toBe("float32");
      expectAllClose(y, jnp.array(c.out, { dtype: "float32" }), { atol: 1e-4, rtol: 1e-4 });
    }
    checkGrads((a: JaxArray) => jnp.fft.irfft(a, { n: 6 }), [randArray([2, 4, 2], 5, "float32")], 1);
    checkGrads((a: JaxArray) => jnp.fft.rfft(a), [randArray([2, 6], 6, "float32")], 1);
  });
  it("integer input promotes to float32", () => {
    expect(jnp.fft.fft(jnp.arange(4)).dtype).toBe("float32");
  });
});

describe("algebraic laws", () => {
  withX64();
  let z: JaxArray, zn: JaxArray, r: JaxArray;
  beforeAll(() => {
    z = randArray([3, 10, 2], 1);
    zn = randArray([4, 3, 6, 2], 2);
    r = randArray([3, 9], 3);
  });

  it("round trips: ifft(fft(z)) = z, irfft(rfft(x), n) = x, n-D likewise, every norm", () => {
    for (const norm of ["backward", "ortho", "forward"] as const) {
      expectAllClose(jnp.fft.ifft(jnp.fft.fft(z, { complex: true, norm }), { complex: true, norm }), z, { atol: 1e-13 });
      expectAllClose(jnp.fft.irfft(jnp.fft.rfft(r, { norm }), { n: 9, norm }), r, { atol: 1e-13 });
      expectAllClose(jnp.fft.ifftn(jnp.fft.fftn(zn, { complex: true, norm }), { complex: true, norm }), zn, { atol: 1e-13 });
      expectAllClose(jnp.fft.irfft2(jnp.fft.rfft2(r, { norm }), { s: [3, 9], norm }), r, { atol: 1e-13 });
    }
  });

  it("ihfft(hfft(z, n = 2(m-1))) is z with the imaginary parts of the DC and Nyquist bins dropped", () => {
    const h = randArray([2, 4, 2], 7);
    const mask = jnp.array([[1, 0], [1, 1], [1, 1], [1, 0]], { dtype: "float64" });
    expectAllClose(jnp.fft.ihfft(jnp.fft.hfft(h, { n: 6 })), jnp.multiply(h, mask), { atol: 1e-13 });
  });

  it("Parseval: Σ|x|² = Σ|X|²/N, and the ortho transform is an isometry", () => {
    const N = 3 * 6 * 4;
    const sumsq = (a: JaxArray) => Number(jnp.sum(jnp.square(a)).item());
    expect(sumsq(jnp.fft.fftn(zn, { complex: true })) / N).toBeCloseTo(sumsq(zn), 10);
    expect(sumsq(jnp.fft.fftn(zn, { complex: true, norm: "ortho" }))).toBeCloseTo(sumsq(zn), 10);
  });

  it("rfft is the first n/2+1 bins of the fft of a real signal", () => {
    for (const n of [8, 9]) {
      const x = randArray([2, n], n);
      expectAllClose(jnp.fft.rfft(x), lax.sliceInDim(jnp.fft.fft(x), 0, Math.floor(n / 2) + 1, 1, 1), { atol: 1e-13 });
    }
  });

  it("fftshift and ifftshift are inverses; fftfreq is shifted into ascending order", () => {
    const x = randArray([5, 4, 2], 4);
    expectAllClose(jnp.fft.ifftshift(jnp.fft.fftshift(x, { complex: true }), { complex: true }), x);
    const f = jnp.fft.fftshift(jnp.fft.fftfreq(7)).tolist() as number[];
    expect(f).toEqual([...f].sort((a, b) => a - b));
  });
});

describe("autodiff: jvp (linear) and transpose rules", () => {
  withX64();
  let z: JaxArray, z8: JaxArray, r5: JaxArray, r6: JaxArray;
  beforeAll(() => {
    z = randArray([2, 5, 2], 11);
    z8 = randArray([2, 8, 2], 12);
    r5 = randArray([2, 5], 13);
    r6 = randArray([3, 6], 14);
  });

  it("lax.fft of every type, order 2, fwd and rev", () => {
    for (const zz of [z, z8]) {
      const n = zz.shape[1]!;
      checkGrads((a: JaxArray) => lax.fft(a, "FFT", [n]), [zz], 2);
      checkGrads((a: JaxArray) => lax.fft(a, "IFFT", [n]), [zz], 2);
    }
    for (const rr of [r5, r6]) {
      const n = rr.shape[1]!;
      checkGrads((a: JaxArray) => lax.fft(a, "RFFT", [n]), [rr], 2);
      const h = randArray([2, Math.floor(n / 2) + 1, 2], n);
      checkGrads((a: JaxArray) => lax.fft(a, "IRFFT", [n]), [h], 2);
    }
  });

  it("n-D transforms and the jnp wrappers (padding, truncation, norms, axes)", () => {
    const x = randArray([3, 4, 2], 21);
    checkGrads((a: JaxArray) => lax.fft(a, "FFT", [3, 4]), [x], 1);
    checkGrads((a: JaxArray) => lax.fft(a, "IRFFT", [3, 6]), [x], 1);
    checkGrads((a: JaxArray) => lax.fft(a, "RFFT", [4, 5]), [randArray([4, 5], 22)], 1);
    checkGrads((a: JaxArray) => jnp.fft.rfftn(a, { s: [5, 3], axes: [1, 0], norm: "ortho" }), [randArray([3, 4], 23)], 2);
    checkGrads((a: JaxArray) => jnp.fft.irfft(a, { n: 7, norm: "forward" }), [randArray([2, 3, 2], 24)], 2);
    checkGrads((a: JaxArray) => jnp.fft.fft2(a, { s: [2, 5] }), [randArray([3, 4], 25)], 1);
    checkGrads((a: JaxArray) => jnp.fft.hfft(a, { norm: "ortho" }), [randArray([2, 4, 2], 26)], 2);
    checkGrads((a: JaxArray) => jnp.fft.ihfft(a, { n: 6 }), [randArray([2, 5], 27)], 2);
  });

  it("the real transpose of each transform equals its vjp against the dense matrix", () => {
    // vjp(f)(ct) · e_i = ct · f(e_i): the transpose read off column by column.
    const n = 6;
    const cases: [string, JaxArray, (a: JaxArray) => JaxArray][] = [
      ["FFT", randArray([n, 2], 31), (a) => lax.fft(a, "FFT", [n])],
      ["RFFT", randArray([n], 32), (a) => lax.fft(a, "RFFT", [n])],
      ["IRFFT", randArray([4, 2], 33), (a) => lax.fft(a, "IRFFT", [n])],
    ];
    for (const [name, x, f] of cases) {
      const y = f(x);
      const ct = randArray(y.shape, 34);
      const [, pull] = vjp(f, x);
      const [g] = pull(ct) as [JaxArray];
      const flat = x.size;
      for (let i = 0; i < flat; i++) {
        const e = lax.reshape(jnp.zeros([flat], { dtype: "float64" }).at(i).set(1), x.shape);
        expect(Number(g.reshape([flat]).get(i).item()), `${name} ${i}`).toBeCloseTo(Number(jnp.sum(jnp.multiply(ct, f(e))).item()), 10);
      }
    }
  });
});

describe("transformations", () => {
  withX64();
  it("vmap ≡ loop for every type, batch axis anywhere", () => {
    const z = randArray([3, 4, 5, 2], 41);
    const fs: [(a: JaxArray) => JaxArray, JaxArray][] = [
      [(a) => lax.fft(a, "FFT", [5]), z],
      [(a) => lax.fft(a, "IFFT", [4, 5]), z],
      [(a) => lax.fft(a, "RFFT", [4, 6]), randArray([3, 4, 6], 42)],
      [(a) => lax.fft(a, "IRFFT", [4, 8]), z],
    ];
    for (const [f, x] of fs) {
      for (const ax of [0, 1]) {
        if (x.shape[ax] !== 3 && ax === 1) continue;
        const got = vmap(f, { inAxes: ax })(x);
        const want = jnp.stack([0, 1, 2].map((i) => f(take(x, ax, i))));
        expectAllClose(got, want, { atol: 1e-13 });
      }
    }
    const y = randArray([4, 3, 5], 43);
    expectAllClose(
      vmap((a: JaxArray) => jnp.fft.rfft(a), { inAxes: 1 })(y),
      jnp.stack([0, 1, 2].map((i) => jnp.fft.rfft(take(y, 1, i)))),
      { atol: 1e-13 },
    );
  });

  it("jit ≡ eager and the printed jaxpr", () => {
    const x = randArray([3, 8], 51);
    const f = (a: JaxArray) => jnp.fft.irfft(jnp.fft.rfft(a, { norm: "ortho" }), { n: 8, norm: "ortho" });
    expectAllClose(jit(f)(x), f(x), { atol: 1e-13 });
    const g = (a: JaxArray) => jnp.fft.fftn(a, { axes: [0, 1], complex: true });
    const z = randArray([3, 5, 2], 52);
    expectAllClose(jit(g)(z), g(z), { atol: 1e-13 });
    const text = makeJaxpr((a: JaxArray) => lax.fft(a, "RFFT", [8]))(jnp.zeros([3, 8], { dtype: "float32" })).toString();
    expect(text).toContain("fft[");
    expect(text).toContain("f32[3,5,2]");
  });
});

describe("errors", () => {
  it("bad dtypes, shapes, norms and lengths", () => {
    const z = jnp.zeros([4, 2]);
    expect(() => lax.fft(jnp.zeros([4, 3]), "FFT", [4])).toThrow("trailing axis has size 2");
    expect(() => lax.fft(z, "FFT", [5])).toThrow("needs transformed axes of sizes");
    expect(() => lax.fft(jnp.zeros([4], { dtype: "int32" }), "RFFT", [4])).toThrow("does not accept dtype int32");
    expect(() => lax.fft(z, "DCT" as never, [4])).toThrow("unknown fft_type");
    expect(() => jnp.fft.fft(z, { norm: "bogus" as never })).toThrow('Invalid norm value bogus; should be "backward", "ortho" or "forward".');
    expect(() => jnp.fft.fft(z, { n: 0 })).toThrow("Invalid number of FFT data points (0) specified.");
    expect(() => jnp.fft.fftn(z, { s: [2], axes: [0, 1] })).toThrow("Shape and axes have different lengths.");
    expect(() => jnp.fft.fftn(z, { axes: [0, 0] })).toThrow("jax.numpy.fft.fftn does not support repeated axes. Got axes [0, 0].");
    expect(() => jnp.fft.fft2(z, { axes: [0] })).toThrow("jax.numpy.fft.fft2 only supports 2 axes. Got axes = [0].");
    expect(() => jnp.fft.fft(z, { axis: [0, 1] as never })).toThrow("jax.numpy.fft.fft does not support multiple axes. Please use jax.numpy.fft.fftn.");
    expect(() => jnp.fft.rfft(z, { complex: true } as never)).toThrow("jax.numpy.fft.rfft does not support complex input.");
    expect(() => jnp.fft.ifft(jnp.zeros([4]), { complex: true })).toThrow("trailing (re, im) axis of size 2");
    expect(() => jnp.fft.fft(z, { axis: 2 })).toThrow("axis 2 is out of bounds for array of dimension 2");
  });
  it("the frequency helpers default to the default float dtype", () => {
    expect(jnp.fft.fftfreq(4).dtype).toBe("float32" satisfies DType);
  });
});
