// Replays test/fixtures/numpy.json (written by scripts/gen_numpy_fixtures.py with NumPy): each
// case calls a jnp function with the recorded arguments and compares shape, dtype (JAX's:
// float32/int32 without x64) and values within float32 tolerance, or expects NumPy's error.
// A coverage check makes sure every function exported by the numpy families has a case.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { numpy as jnp, isArray } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import * as creation from "../../src/numpy/creation.js";
import * as reductions from "../../src/numpy/reductions.js";
import * as manipulation from "../../src/numpy/manipulation.js";
import * as products from "../../src/numpy/products.js";
import * as einsumMod from "../../src/numpy/einsum.js";
import * as ufuncs from "../../src/numpy/ufuncs.js";
import * as logic from "../../src/numpy/logic.js";

type Scalar = number | boolean | string;
interface EncArray {
  shape: number[];
  dtype: string;
  data: Scalar[];
}
type Enc = { __array__: EncArray } | { __list__: Enc[] } | { __value__: unknown } | Enc[] | Scalar | null | { [k: string]: Enc };
interface Case {
  fn: string;
  args: Enc[];
  out?: Enc;
  error?: { type: string; message: string | null };
  rtol?: number;
  atol?: number;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/numpy.json", import.meta.url), "utf8")) as {
  numpy_version: string;
  cases: Case[];
};

const num = (v: Scalar): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : typeof v === "boolean" ? Number(v) : (v as number);

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function decode(e: Enc): unknown {
  if (Array.isArray(e)) return e.map(decode);
  if (typeof e === "string") return num(e);
  if (!isObj(e)) return e;
  if ("__array__" in e) {
    const a = e.__array__ as EncArray;
    return jnp.reshape(jnp.array(a.data.map(num), { dtype: a.dtype }), a.shape);
  }
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, decode(v as Enc)]));
}

function close(actual: number, expected: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

function compare(actual: unknown, expected: Enc, rtol: number, atol: number, where: string): void {
  if (isObj(expected) && "__list__" in expected) {
    const list = expected.__list__ as Enc[];
    expect(Array.isArray(actual), `${where}: expected a list`).toBe(true);
    expect((actual as unknown[]).length, `${where}: list length`).toBe(list.length);
    list.forEach((e, i) => compare((actual as unknown[])[i], e, rtol, atol, `${where}[${i}]`));
    return;
  }
  if (isObj(expected) && "__value__" in expected) {
    expect(actual, where).toEqual(expected.__value__);
    return;
  }
  const e = (expected as { __array__: EncArray }).__array__;
  expect(isArray(actual), `${where}: expected an Array`).toBe(true);
  const a = actual as JaxArray;
  expect(a.shape, `${where}: shape`).toEqual(e.shape);
  expect(a.dtype, `${where}: dtype`).toBe(e.dtype);
  const got = Array.from(a.dataSync(), Number);
  const want = e.data.map(num);
  const bad = got.findIndex((g, i) => !close(g, want[i]!, rtol, atol));
  if (bad >= 0) {
    expect.fail(`${where}: element ${bad} is ${got[bad]}, NumPy gives ${want[bad]}\n got ${got.join(", ")}\nwant ${want.join(", ")}`);
  }
}

const fns = jnp as unknown as Record<string, (...args: unknown[]) => unknown>;

describe(`jnp against NumPy ${fixture.numpy_version} fixtures`, () => {
  const seen = new Map<string, number>();
  for (const c of fixture.cases) {
    const k = (seen.get(c.fn) ?? 0) + 1;
    seen.set(c.fn, k);
    it(`${c.fn} #${k}`, () => {
      const f = fns[c.fn];
      expect(typeof f, `jnp.${c.fn} exists`).toBe("function");
      const args = c.args.map(decode);
      if (c.error) {
        let err: unknown = null;
        try {
          f!(...args);
        } catch (e) {
          err = e;
        }
        expect(err, `jnp.${c.fn} should raise ${c.error.type}`).toBeInstanceOf(Error);
        expect((err as Error).name).toBe(c.error.type);
        if (c.error.message !== null) expect((err as Error).message).toContain(c.error.message);
        return;
      }
      compare(f!(...args), c.out!, c.rtol ?? 1e-5, c.atol ?? 1e-5, `jnp.${c.fn}`);
    });
  }
});

describe("fixture coverage", () => {
  it("every exported function of the numpy families has a NumPy case", () => {
    const covered = new Set(fixture.cases.map((c) => c.fn));
    const modules = { creation, reductions, manipulation, products, einsumMod, ufuncs, logic };
    const missing: string[] = [];
    for (const [mod, exports] of Object.entries(modules)) {
      for (const [name, v] of Object.entries(exports)) {
        // Classes (AxisError) are not NumPy functions.
        if (typeof v !== "function" || /^[A-Z]/.test(name)) continue;
        if (!covered.has(name)) missing.push(`${mod}.${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
