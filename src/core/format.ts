// NumPy-like formatting of array contents for `toString()` (JAX's repr: `Array([1., 2.], dtype=float32)`).
import { type DType, isFloat } from "./dtypes.js";

/** Shortest decimal that round-trips through the dtype (NumPy's repr for floats). */
export function formatFloat(v: number, dtype: DType): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  let s = String(v);
  if (dtype === "float32") {
    for (let p = 1; p <= 9; p++) {
      const t = v.toPrecision(p);
      if (Math.fround(Number(t)) === v) {
        s = String(Number(t));
        break;
      }
    }
  }
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e16 || a < 1e-4)) {
    const [m, e] = Number(s).toExponential().split("e");
    const exp = Number(e);
    return `${m!.includes(".") ? m : m + "."}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (!s.includes(".") && !s.includes("e")) s += ".";
  return s;
}

export function formatScalar(v: number, dtype: DType): string {
  if (dtype === "bool") return v ? "True" : "False";
  if (isFloat(dtype)) return formatFloat(v, dtype);
  return String(v);
}

/**
 * Formats every element of a float array the way NumPy's repr does (floatmode "maxprec",
 * precision 8): integral arrays print as `1.`, others with up to 8 fractional digits, padded
 * to a common number of fractional digits; scientific notation when magnitudes are extreme.
 */
function formatFloatArray(data: ArrayLike<number>, dtype: DType): string[] {
  const vals = Array.from(data);
  const finite = vals.filter((v) => Number.isFinite(v));
  const absNonzero = finite.map(Math.abs).filter((v) => v !== 0);
  const maxAbs = Math.max(0, ...absNonzero);
  const minAbs = absNonzero.length ? Math.min(...absNonzero) : 0;
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1e3 && minAbs < 1e-3)) {
    const mant = finite.map((v) => {
      const short = formatFloat(v, dtype);
      const m = Number(short).toExponential(Math.min(8, Math.max(0, (Number(short).toExponential().split("e")[0]!.split(".")[1] ?? "").length)));
      return m;
    });
    const digits = Math.max(0, ...mant.map((m) => (m.split("e")[0]!.split(".")[1] ?? "").length));
    return vals.map((v) => {
      if (!Number.isFinite(v)) return special(v);
      const [m, e] = v.toExponential(digits).split("e");
      const exp = Number(e);
      return `${m!.includes(".") ? m : m + "."}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    });
  }
  const frac = (v: number): string => {
    let t = formatFloat(v, dtype);
    const parts = t.split(".");
    if ((parts[1] ?? "").length > 8) t = String(Number(v.toFixed(8)));
    if (!t.includes(".")) t += ".";
    return t;
  };
  const strs = vals.map((v) => (Number.isFinite(v) ? frac(v) : special(v)));
  const fd = Math.max(0, ...strs.filter((t) => t.includes(".")).map((t) => t.split(".")[1]!.length));
  return strs.map((t) => (t.includes(".") ? t + " ".repeat(fd - t.split(".")[1]!.length) : t));
}

/** Formats nested contents with NumPy's brackets, separators and right-aligned columns. */
export function formatContents(data: ArrayLike<number>, shape: readonly number[], dtype: DType, indent: number): string {
  if (shape.length === 0) return formatScalar(data[0]!, dtype);
  const strs = isFloat(dtype) ? formatFloatArray(data, dtype) : Array.from(data, (v) => formatScalar(v, dtype));
  const width = Math.max(0, ...strs.map((s) => s.length));
  const pad = (s: string) => s.padStart(width);
  let pos = 0;
  const rec = (dim: number, ind: number): string => {
    const n = shape[dim]!;
    if (dim === shape.length - 1) {
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(pad(strs[pos++]!));
      return `[${items.join(", ")}]`;
    }
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(rec(dim + 1, ind + 1));
    const sep = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(ind + 1);
    return `[${parts.join(sep)}]`;
  };
  return rec(0, indent);
}
