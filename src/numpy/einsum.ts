// jnp.einsum: Einstein summation over any number of operands, lowered to lax: repeated labels
// within one operand become diagonals, labels used by one operand only are summed first, then
// operands contract left to right with one dot_general each (shared labels still needed later
// are batch dims, the others contracting dims), and a final transpose gives the output order.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { defaultInt } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { ValueError, resultTypeOf } from "./core.js";
import { diagonal } from "./products.js";
import { isOptions } from "./util.js";

type Label = string;

/** Labels standing for the dims an ellipsis covers, aligned from the right. */
const ellipsisLabel = (i: number): Label => String.fromCharCode(0x100 + i);

function parse(subscripts: string, ndims: number[]): { inputs: Label[][]; output: Label[] } {
  const s = subscripts.replace(/\s+/g, "");
  const arrow = s.indexOf("->");
  const lhs = arrow >= 0 ? s.slice(0, arrow) : s;
  const terms = lhs.split(",");
  if (terms.length !== ndims.length) {
    throw new ValueError(
      `einsum(): ${terms.length > ndims.length ? "fewer" : "more"} operands were provided than specified in the subscripts string ('${subscripts}')`,
    );
  }
  let maxEll = 0;
  const inputs = terms.map((t, k) => {
    const parts = t.split("...");
    if (parts.length > 2) throw new ValueError(`einsum(): invalid subscript '${t}': an ellipsis may appear only once`);
    const letters = parts.join("");
    if (!/^[a-zA-Z]*$/.test(letters)) throw new ValueError(`einsum(): invalid subscript '${t}' in einstein sum subscripts string`);
    const nd = ndims[k]!;
    if (parts.length === 1) {
      if (letters.length !== nd) {
        throw new ValueError(
          `einsum(): the number of subscripts in the equation (${letters.length}) does not match the number of dimensions (${nd}) for operand ${k} and no ellipsis was given`,
        );
      }
      return [...letters];
    }
    const ne = nd - letters.length;
    if (ne < 0) throw new ValueError(`einsum(): operand ${k} has ${nd} dimensions, fewer than the ${letters.length} subscripts given`);
    maxEll = Math.max(maxEll, ne);
    return [...parts[0]!, ...Array.from({ length: ne }, (_, i) => `#${ne - 1 - i}`), ...parts[1]!];
  });
  // Ellipsis dims are numbered from the right (#0 is the last), so shorter ones broadcast.
  const ell = (lab: Label) => (lab.startsWith("#") ? ellipsisLabel(maxEll - 1 - Number(lab.slice(1))) : lab);
  const ins = inputs.map((t) => t.map(ell));
  const ellLabels = Array.from({ length: maxEll }, (_, i) => ellipsisLabel(i));
  let output: Label[];
  if (arrow >= 0) {
    const rhs = s.slice(arrow + 2);
    const parts = rhs.split("...");
    if (parts.length > 2 || !/^[a-zA-Z]*$/.test(parts.join(""))) throw new ValueError(`einsum(): invalid output subscript '${rhs}'`);
    output = parts.length === 2 ? [...parts[0]!, ...ellLabels, ...parts[1]!] : [...rhs];
    if (parts.length === 1 && maxEll > 0) {
      throw new ValueError("einsum(): output has no ellipsis but some inputs broadcast over one; add '...' to the output");
    }
    const all = new Set(ins.flat());
    for (const l of output) {
      if (!all.has(l)) throw new ValueError(`einsum(): output subscript '${l}' does not appear in the input subscripts`);
    }
    if (new Set(output).size !== output.length) throw new ValueError("einsum(): output subscript string contains a repeated label");
  } else {
    const count = new Map<Label, number>();
    ins.flat().forEach((l) => count.set(l, (count.get(l) ?? 0) + 1));
    const singles = [...count.keys()].filter((l) => count.get(l) === 1 && !ellLabels.includes(l)).sort();
    output = [...ellLabels, ...singles];
  }
  return { inputs: ins, output };
}

/**
 * jnp.einsum(subscripts, ...operands, { preferredElementType }?): e.g. `einsum("ij,jk->ik", a, b)`,
 * `einsum("ii", a)` (trace), `einsum("...ij,...jk", a, b)` (batched matmul). Implicit mode
 * (no "->") outputs the labels used once, in alphabetical order.
 */
export function einsum(subscripts: string, ...args: (ArrayLike | { preferredElementType?: string | null; optimize?: unknown })[]): JaxArray {
  const opts = isOptions(args[args.length - 1]) ? (args.pop() as { preferredElementType?: string | null }) : {};
  const operands = (args as ArrayLike[]).map((a) => lax.asArray(a));
  if (operands.length === 0) throw new ValueError("einsum(): must specify at least one operand");
  const { inputs, output } = parse(subscripts, operands.map((o) => o.ndim));
  const { dtype } = resultTypeOf(...operands);
  const isBool = dtype === "bool";
  const cdt = isBool ? defaultInt() : dtype;
  // Each label's size; size-1 dims broadcast to it.
  const size = new Map<Label, number>();
  inputs.forEach((labs, k) =>
    labs.forEach((l, i) => {
      const d = operands[k]!.shape[i]!;
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== 1 && d !== prev) {
        throw new ValueError(`einsum(): size of label '${l}' for operand ${k} (${d}) does not match previous terms (${prev}).`);
      }
    }),
  );
  let terms = operands.map((op, k) => {
    let x = op.dtype === cdt ? op : lax.convertElementType(op, cdt);
    let labs = [...inputs[k]!];
    const target = labs.map((l) => size.get(l)!);
    if (target.some((d, i) => d !== x.shape[i])) x = lax.broadcastInDim(x, target, labs.map((_, i) => i));
    // A label repeated within one operand selects its diagonal (appended as the last axis).
    for (let i = 0; i < labs.length; i++) {
      const j = labs.indexOf(labs[i]!, i + 1);
      if (j >= 0) {
        const l = labs[i]!;
        x = diagonal(x, { axis1: i, axis2: j });
        labs = [...labs.filter((_, m) => m !== i && m !== j), l];
        i = -1;
      }
    }
    return { x, labs };
  });
  const neededAfter = (k: number): Set<Label> => new Set([...output, ...terms.slice(k + 1).flatMap((t) => t.labs)]);
  const sumUnneeded = (t: { x: JaxArray; labs: Label[] }, keep: Set<Label>) => {
    const axes = t.labs.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
    if (axes.length === 0) return t;
    return { x: lax.reduceSum(t.x, axes), labs: t.labs.filter((l) => keep.has(l)) };
  };
  // Sum out labels that appear in only one operand and not in the output.
  terms = terms.map((t, k) => {
    const others = new Set([...output, ...terms.filter((_, m) => m !== k).flatMap((u) => u.labs)]);
    return sumUnneeded(t, others);
  });
  let acc = terms[0]!;
  for (let k = 1; k < terms.length; k++) {
    const b = terms[k]!;
    const later = neededAfter(k);
    acc = sumUnneeded(acc, new Set([...later, ...b.labs]));
    const shared = acc.labs.filter((l) => b.labs.includes(l));
    const batch = shared.filter((l) => later.has(l));
    const con = shared.filter((l) => !later.has(l));
    const r = lax.dotGeneral(
      acc.x,
      b.x,
      [
        [con.map((l) => acc.labs.indexOf(l)), con.map((l) => b.labs.indexOf(l))],
        [batch.map((l) => acc.labs.indexOf(l)), batch.map((l) => b.labs.indexOf(l))],
      ],
      { preferredElementType: opts.preferredElementType ?? null },
    );
    acc = { x: r, labs: [...batch, ...acc.labs.filter((l) => !shared.includes(l)), ...b.labs.filter((l) => !shared.includes(l))] };
  }
  acc = sumUnneeded(acc, new Set(output));
  const out = lax.transpose(acc.x, output.map((l) => acc.labs.indexOf(l)));
  return isBool ? lax.ne(out, lax.full(out.shape, 0, out.dtype)) : out;
}
