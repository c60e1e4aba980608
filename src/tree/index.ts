// Pytrees, as in jax.tree_util: nested containers (JS arrays, plain objects, registered classes)
// whose non-container parts are leaves. `null` and `undefined` are empty subtrees (like None).
// A PyTreeDef records the container skeleton so leaves can be put back (`unflatten`).

/** A predicate that stops flattening at a node and treats it as a leaf. */
export type IsLeaf = (x: unknown) => boolean;

/** What a node of a treedef is. */
export type PyTreeKind = "leaf" | "null" | "undefined" | "array" | "object" | "custom";

interface NodeRegistration {
  readonly flatten: (x: any) => [unknown[], unknown];
  readonly unflatten: (aux: any, children: unknown[]) => unknown;
}

// Exact-type registry (a subclass of a registered class is a leaf unless registered too, as in JAX).
const registry = new Map<Function, NodeRegistration>();

/**
 * Registers a class as a pytree container. `flatten` returns the children (themselves pytrees)
 * and auxiliary data that is kept in the treedef and compared by `equals`; `unflatten` rebuilds
 * an instance from the auxiliary data and the (transformed) children.
 */
export function registerPytreeNode<T>(
  cls: abstract new (...args: any[]) => T,
  flatten: (x: T) => [children: unknown[], auxData: unknown],
  unflatten: (auxData: any, children: unknown[]) => T,
): void {
  if (cls === (Array as Function) || cls === (Object as Function)) {
    throw new TypeError(`${cls.name} is already a built-in pytree container and cannot be registered`);
  }
  if (registry.has(cls)) throw new Error(`Duplicate custom PyTreeDef type registration for ${cls.name}.`);
  registry.set(cls, { flatten: flatten as (x: any) => [unknown[], unknown], unflatten });
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function registrationOf(x: object): NodeRegistration | undefined {
  const proto = Object.getPrototypeOf(x);
  return proto === null ? undefined : registry.get(proto.constructor);
}

/** The structure of a pytree: its containers, with a hole (`*`) for every leaf. */
export class PyTreeDef {
  readonly numLeaves: number;
  readonly numNodes: number;

  /** Built by `flatten`/`structure`; not meant to be called directly. */
  constructor(
    readonly kind: PyTreeKind,
    readonly children: readonly PyTreeDef[] = [],
    /** Sorted keys of an "object" node. */
    readonly keys: readonly string[] = [],
    /** The registered class of a "custom" node. */
    readonly nodeType: Function | null = null,
    /** Auxiliary data of a "custom" node. */
    readonly auxData: unknown = undefined,
    /** Whether an "object" node had a null prototype (restored by unflatten). */
    readonly nullProto = false,
  ) {
    let leaves = kind === "leaf" ? 1 : 0;
    let nodes = 1;
    for (const c of children) {
      leaves += c.numLeaves;
      nodes += c.numNodes;
    }
    this.numLeaves = leaves;
    this.numNodes = nodes;
  }

  get isLeaf(): boolean {
    return this.kind === "leaf";
  }

  /** Structural equality, including keys, registered classes and their auxiliary data. */
  equals(other: PyTreeDef): boolean {
    if (this === other) return true;
    if (
      this.kind !== other.kind ||
      this.numLeaves !== other.numLeaves ||
      this.numNodes !== other.numNodes ||
      this.children.length !== other.children.length ||
      this.nodeType !== other.nodeType ||
      !sameKeys(this.keys, other.keys) ||
      !auxEqual(this.auxData, other.auxData)
    ) {
      return false;
    }
    return this.children.every((c, i) => c.equals(other.children[i]!));
  }

  /** Builds the tree from leaves in flattening order. */
  unflatten(leaves: readonly unknown[] | Iterable<unknown>): any {
    const arr = Array.isArray(leaves) ? (leaves as readonly unknown[]) : Array.from(leaves);
    if (arr.length !== this.numLeaves) {
      const which = arr.length < this.numLeaves ? "few" : "many";
      throw new TypeError(
        `Too ${which} leaves for PyTreeDef; expected ${this.numLeaves}, got ${arr.length}. ` +
          `PyTreeDef: ${this.toString()}`,
      );
    }
    const pos = { i: 0 };
    return this.build(arr, pos);
  }

  private build(leaves: readonly unknown[], pos: { i: number }): unknown {
    switch (this.kind) {
      case "leaf":
        return leaves[pos.i++];
      case "null":
        return null;
      case "undefined":
        return undefined;
      case "array":
        return this.children.map((c) => c.build(leaves, pos));
      case "object": {
        const out: Record<string, unknown> = this.nullProto ? Object.create(null) : {};
        this.keys.forEach((k, j) => {
          out[k] = this.children[j]!.build(leaves, pos);
        });
        return out;
      }
      case "custom": {
        const children = this.children.map((c) => c.build(leaves, pos));
        return registry.get(this.nodeType!)!.unflatten(this.auxData, children);
      }
    }
  }

  /** Flattens `tree` only down to this (prefix) structure; see the free function `flattenUpTo`. */
  flattenUpTo(tree: unknown): unknown[] {
    const out: unknown[] = [];
    const err = this.upTo(tree, out, "");
    if (err !== null) {
      throw new TypeError(
        `pytree structure mismatch at key path ${err.path || "(root)"}: ${err.what}.\n` +
          `  prefix structure: ${this.toString()}\n` +
          `  tree structure:   ${describeStructure(tree)}`,
      );
    }
    return out;
  }

  private upTo(tree: unknown, out: unknown[], path: string): { path: string; what: string } | null {
    const mismatch = (what: string) => ({ path, what: `expected ${what}, got ${describeValue(tree)}` });
    switch (this.kind) {
      case "leaf":
        out.push(tree);
        return null;
      case "null":
        return tree === null ? null : mismatch("null");
      case "undefined":
        return tree === undefined ? null : mismatch("undefined");
      case "array": {
        if (!Array.isArray(tree)) return mismatch(`an array of length ${this.children.length}`);
        if (tree.length !== this.children.length) {
          return { path, what: `array length mismatch: expected ${this.children.length}, got ${tree.length}` };
        }
        for (let j = 0; j < this.children.length; j++) {
          const e = this.children[j]!.upTo(tree[j], out, `${path}[${j}]`);
          if (e !== null) return e;
        }
        return null;
      }
      case "object": {
        const expected = `an object with keys ${formatKeys(this.keys)}`;
        if (tree === null || typeof tree !== "object" || Array.isArray(tree) || !isPlainObject(tree)) {
          return mismatch(expected);
        }
        const keys = Object.keys(tree).sort();
        if (!sameKeys(keys, this.keys)) {
          return { path, what: `object keys mismatch: expected ${formatKeys(this.keys)}, got ${formatKeys(keys)}` };
        }
        for (let j = 0; j < keys.length; j++) {
          const k = keys[j]!;
          const e = this.children[j]!.upTo((tree as Record<string, unknown>)[k], out, `${path}[${quoteKey(k)}]`);
          if (e !== null) return e;
        }
        return null;
      }
      case "custom": {
        const name = this.nodeType!.name;
        if (tree === null || typeof tree !== "object" || Object.getPrototypeOf(tree)?.constructor !== this.nodeType) {
          return mismatch(`an instance of ${name}`);
        }
        const [children, aux] = registry.get(this.nodeType!)!.flatten(tree);
        if (!auxEqual(aux, this.auxData)) {
          return { path, what: `${name} auxiliary data mismatch: expected ${repr(this.auxData)}, got ${repr(aux)}` };
        }
        if (children.length !== this.children.length) {
          return { path, what: `${name} arity mismatch: expected ${this.children.length}, got ${children.length}` };
        }
        for (let j = 0; j < children.length; j++) {
          const e = this.children[j]!.upTo(children[j], out, `${path}.<child ${j}>`);
          if (e !== null) return e;
        }
        return null;
      }
    }
  }

  /** JAX's format, e.g. `PyTreeDef([*, {'a': *, 'b': None}])`. */
  toString(): string {
    return `PyTreeDef(${this.body()})`;
  }

  private body(): string {
    switch (this.kind) {
      case "leaf":
        return "*";
      case "null":
        return "None";
      case "undefined":
        return "undefined";
      case "array":
        return `[${this.children.map((c) => c.body()).join(", ")}]`;
      case "object":
        return `{${this.keys.map((k, j) => `${quoteKey(k)}: ${this.children[j]!.body()}`).join(", ")}}`;
      case "custom":
        return `CustomNode(${this.nodeType!.name}[${repr(this.auxData)}], [${this.children
          .map((c) => c.body())
          .join(", ")}])`;
    }
  }
}

const LEAF = new PyTreeDef("leaf");
const NULL = new PyTreeDef("null");
const UNDEFINED = new PyTreeDef("undefined");

function flattenInto(x: unknown, leaves: unknown[], isLeaf: IsLeaf | undefined, ancestors: Set<object>): PyTreeDef {
  if (isLeaf !== undefined && isLeaf(x)) {
    leaves.push(x);
    return LEAF;
  }
  if (x === null) return NULL;
  if (x === undefined) return UNDEFINED;
  if (typeof x !== "object") {
    leaves.push(x);
    return LEAF;
  }
  let kind: PyTreeKind;
  let reg: NodeRegistration | undefined;
  if (Array.isArray(x)) kind = "array";
  else if (isPlainObject(x)) kind = "object";
  else if ((reg = registrationOf(x)) !== undefined) kind = "custom";
  else {
    leaves.push(x);
    return LEAF;
  }
  if (ancestors.has(x)) throw new TypeError("Cannot flatten a pytree that contains itself (a cycle)");
  ancestors.add(x);
  let def: PyTreeDef;
  if (kind === "array") {
    const arr = x as unknown[];
    const children: PyTreeDef[] = new Array(arr.length);
    for (let j = 0; j < arr.length; j++) children[j] = flattenInto(arr[j], leaves, isLeaf, ancestors);
    def = new PyTreeDef("array", children);
  } else if (kind === "object") {
    const obj = x as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    const children = keys.map((k) => flattenInto(obj[k], leaves, isLeaf, ancestors));
    def = new PyTreeDef("object", children, keys, null, undefined, Object.getPrototypeOf(x) === null);
  } else {
    const [kids, aux] = reg!.flatten(x);
    const children = kids.map((c) => flattenInto(c, leaves, isLeaf, ancestors));
    def = new PyTreeDef("custom", children, [], Object.getPrototypeOf(x).constructor, aux);
  }
  ancestors.delete(x);
  return def;
}

/** Flattens a pytree into its leaves (depth first, object keys sorted) and its structure. */
export function flatten<L = unknown>(tree: unknown, isLeaf?: IsLeaf): [L[], PyTreeDef] {
  const leaves: unknown[] = [];
  const def = flattenInto(tree, leaves, isLeaf, new Set());
  return [leaves as L[], def];
}

/** Rebuilds a pytree of structure `treedef` from its leaves. */
export function unflatten(treedef: PyTreeDef, leaves: readonly unknown[] | Iterable<unknown>): any {
  return treedef.unflatten(leaves);
}

export function leaves<L = unknown>(tree: unknown, isLeaf?: IsLeaf): L[] {
  return flatten<L>(tree, isLeaf)[0];
}

export function structure(tree: unknown, isLeaf?: IsLeaf): PyTreeDef {
  return flatten(tree, isLeaf)[1];
}

/**
 * Flattens `tree` down to the structure of the prefix `treedef`, returning the subtree of `tree` at
 * each leaf of `treedef` (jax's `treedef.flatten_up_to`). Throws naming the key path of the first
 * place where `tree` does not match.
 */
export function flattenUpTo(treedef: PyTreeDef, tree: unknown): unknown[] {
  return treedef.flattenUpTo(tree);
}

/**
 * Maps `f` over the leaves of `tree`. With more trees, `f` gets the leaf of `tree` and the parts
 * of the other trees at the same place; each other tree must have `tree`'s structure (or a
 * deeper one, in which case `f` receives the subtree found at that leaf, as in JAX).
 */
export function map(f: (x: any, ...rest: any[]) => unknown, tree: unknown, ...rest: unknown[]): any {
  return mapWith({}, f, tree, ...rest);
}

/** `map` with options, e.g. `mapWith({ isLeaf: (x) => x === null }, f, tree)`. */
export function mapWith(
  options: { isLeaf?: IsLeaf },
  f: (x: any, ...rest: any[]) => unknown,
  tree: unknown,
  ...rest: unknown[]
): any {
  const [ls, def] = flatten(tree, options.isLeaf);
  const others = rest.map((r, j) => {
    try {
      return def.flattenUpTo(r);
    } catch (e) {
      throw new TypeError(
        `tree.map: argument ${j + 1} of the rest trees does not match the structure of the first tree.\n` +
          `  first tree: ${def.toString()}\n` +
          `  tree ${j + 1}:     ${describeStructure(r)}\n` +
          (e instanceof Error ? e.message : String(e)),
      );
    }
  });
  return def.unflatten(ls.map((x, i) => f(x, ...others.map((o) => o[i]))));
}

/** True when every leaf is truthy (jax.tree_util.tree_all). */
export function treeAll(tree: unknown, isLeaf?: IsLeaf): boolean {
  return leaves(tree, isLeaf).every(Boolean);
}

/**
 * For each leaf of `fullTree`, the leaf of `prefixTree` whose subtree covers it (JAX's
 * `broadcast_prefix`, which resolves `in_axes`/`out_axes` given as a tree prefix). In the prefix,
 * `prefixIsLeaf` nodes count as leaves; by default `null` does, meaning "no axis", so a `null`
 * covering a subtree yields one `null` per leaf of that subtree. `isLeaf` applies to both trees.
 */
export function broadcastPrefix<P = unknown>(
  prefixTree: unknown,
  fullTree: unknown,
  isLeaf?: IsLeaf,
  prefixIsLeaf: IsLeaf = (x) => x === null,
): P[] {
  const [prefixLeaves, prefixDef] = flatten<P>(prefixTree, (x) => prefixIsLeaf(x) || (isLeaf?.(x) ?? false));
  let subtrees: unknown[];
  try {
    subtrees = prefixDef.flattenUpTo(fullTree);
  } catch (e) {
    throw new TypeError(
      `pytree structure error: the prefix tree ${prefixDef.toString()} is not a prefix of the tree ` +
        `${describeStructure(fullTree, isLeaf)}.\n` +
        (e instanceof Error ? e.message : String(e)),
    );
  }
  const out: P[] = [];
  subtrees.forEach((sub, i) => {
    const n = structure(sub, isLeaf).numLeaves;
    for (let k = 0; k < n; k++) out.push(prefixLeaves[i]!);
  });
  return out;
}

// ---- helpers for equality and messages ---------------------------------------------------------

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** Deep equality of auxiliary data: primitives by SameValueZero, arrays and plain objects by value. */
function auxEqual(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (typeof (a as { equals?: unknown }).equals === "function") {
    return Boolean((a as { equals: (o: unknown) => unknown }).equals(b));
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => auxEqual(x, b[i]));
  }
  if (isPlainObject(a) && !Array.isArray(b) && isPlainObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    return sameKeys(ka, kb) && ka.every((k) => auxEqual(ra[k], rb[k]));
  }
  return false;
}

function quoteKey(k: string): string {
  return `'${k.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function formatKeys(keys: readonly string[]): string {
  return `[${keys.map(quoteKey).join(", ")}]`;
}

/** A short Python-repr-like rendering, for auxiliary data and error messages. */
function repr(x: unknown, depth = 0): string {
  if (x === null) return "None";
  if (typeof x === "string") return quoteKey(x);
  if (typeof x !== "object") return typeof x === "function" ? `<function ${x.name || "anonymous"}>` : String(x);
  if (depth > 3) return "...";
  if (Array.isArray(x)) return `[${x.map((v) => repr(v, depth + 1)).join(", ")}]`;
  if (isPlainObject(x)) {
    const r = x as Record<string, unknown>;
    return `{${Object.keys(r)
      .sort()
      .map((k) => `${quoteKey(k)}: ${repr(r[k], depth + 1)}`)
      .join(", ")}}`;
  }
  const s = String(x);
  return s === "[object Object]" ? `<${Object.getPrototypeOf(x)?.constructor?.name ?? "object"}>` : s;
}

function describeValue(x: unknown): string {
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x !== null && typeof x === "object" && isPlainObject(x)) return `an object with keys ${formatKeys(Object.keys(x).sort())}`;
  if (x !== null && typeof x === "object") return `a ${Object.getPrototypeOf(x)?.constructor?.name ?? "object"}`;
  return repr(x);
}

function describeStructure(x: unknown, isLeaf?: IsLeaf): string {
  try {
    return structure(x, isLeaf).toString();
  } catch (e) {
    return `<unflattenable: ${e instanceof Error ? e.message : String(e)}>`;
  }
}
