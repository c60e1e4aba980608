// Tests for src/tree: pytree flatten/unflatten round trips, key order, map, prefixes, printing.
import { describe, expect, it } from "vitest";
import {
  PyTreeDef,
  broadcastPrefix,
  flatten,
  flattenUpTo,
  leaves,
  map,
  mapWith,
  registerPytreeNode,
  structure,
  treeAll,
  unflatten,
} from "../../src/tree/index.js";

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
    readonly label: string,
  ) {}
}
registerPytreeNode(
  Point,
  (p) => [[p.x, p.y], p.label],
  (label: string, [x, y]) => new Point(x, y, label),
);

class Opaque {
  constructor(readonly v: number) {}
}

describe("flatten / unflatten", () => {
  const cases: [string, unknown][] = [
    ["leaf", 3],
    ["null", null],
    ["undefined", undefined],
    ["empty array", []],
    ["empty object", {}],
    ["nested arrays", [1, [2, [3, 4]], []]],
    ["nested objects", { b: { d: 1, c: [2, 3] }, a: 4 }],
    ["nulls inside", [null, { a: null, b: undefined, c: 1 }, [undefined]]],
    ["registered class", { p: new Point(1, [2, 3], "pt"), q: [new Point(null, 4, "q")] }],
    ["opaque class is a leaf", [new Opaque(1), "s", true]],
    ["null-prototype object", Object.assign(Object.create(null) as object, { b: 1, a: [2] })],
  ];
  for (const [name, tree] of cases) {
    it(`round-trips ${name}`, () => {
      const [ls, def] = flatten(tree);
      expect(def.numLeaves).toBe(ls.length);
      const back = unflatten(def, ls);
      expect(back).toStrictEqual(tree);
      expect(structure(back).equals(def)).toBe(true);
    });
  }

  it("treats null and undefined as empty subtrees", () => {
    expect(leaves([null, undefined, 1])).toEqual([1]);
    expect(structure(null).numLeaves).toBe(0);
    expect(unflatten(structure({ a: undefined }), [])).toHaveProperty("a", undefined);
    expect(structure(null).equals(structure(undefined))).toBe(false);
  });

  it("orders object children by sorted key", () => {
    const [ls, def] = flatten({ c: 3, a: 1, b: [2, 2.5] });
    expect(ls).toEqual([1, 2, 2.5, 3]);
    expect(def.keys).toEqual(["a", "b", "c"]);
    expect(structure({ b: 1, a: 2 }).equals(structure({ a: 0, b: 0 }))).toBe(true);
  });

  it("keeps object leaves that are not plain (class instances) whole", () => {
    const o = new Opaque(5);
    const [ls] = flatten({ o });
    expect(ls[0]).toBe(o);
  });

  it("flattens registered classes and keeps aux data in the treedef", () => {
    const [ls, def] = flatten(new Point(1, 2, "a"));
    expect(ls).toEqual([1, 2]);
    expect(def.kind).toBe("custom");
    expect(def.equals(structure(new Point(5, 6, "a")))).toBe(true);
    expect(def.equals(structure(new Point(5, 6, "b")))).toBe(false);
    const p = def.unflatten([7, 8]);
    expect(p).toBeInstanceOf(Point);
    expect(p.label).toBe("a");
  });

  it("rejects duplicate registration and registering built-ins", () => {
    expect(() => registerPytreeNode(Point, () => [[], null], () => new Point(0, 0, ""))).toThrow(/Duplicate/);
    expect(() => registerPytreeNode(Array, () => [[], null], () => [])).toThrow(/built-in/);
  });

  it("respects isLeaf", () => {
    const tree = [[1, 2], null, { a: [3] }];
    const isLeaf = (x: unknown) => x === null || (Array.isArray(x) && x.length === 1);
    const [ls, def] = flatten(tree, isLeaf);
    expect(ls).toEqual([1, 2, null, [3]]);
    expect(def.unflatten(ls)).toEqual(tree);
  });

  it("says expected vs got for a wrong number of leaves", () => {
    const def = structure([1, { a: 2 }]);
    expect(() => unflatten(def, [1])).toThrow(/Too few leaves for PyTreeDef; expected 2, got 1/);
    expect(() => unflatten(def, [1, 2, 3])).toThrow(/Too many leaves for PyTreeDef; expected 2, got 3/);
  });

  it("rejects cycles instead of overflowing", () => {
    const a: unknown[] = [1];
    a.push(a);
    expect(() => flatten(a)).toThrow(/cycle/);
  });

  it("allows shared (non-cyclic) subtrees", () => {
    const s = [1, 2];
    expect(leaves([s, s])).toEqual([1, 2, 1, 2]);
  });
});

describe("PyTreeDef.toString", () => {
  it("prints JAX's format", () => {
    expect(structure([1, { a: 2, b: null }]).toString()).toBe("PyTreeDef([*, {'a': *, 'b': None}])");
    expect(structure(1).toString()).toBe("PyTreeDef(*)");
    expect(structure(null).toString()).toBe("PyTreeDef(None)");
    expect(structure([]).toString()).toBe("PyTreeDef([])");
    expect(structure({}).toString()).toBe("PyTreeDef({})");
    expect(structure(new Point(1, [2], "lbl")).toString()).toBe("PyTreeDef(CustomNode(Point['lbl'], [*, [*]]))");
  });
});

describe("map", () => {
  it("maps one tree", () => {
    expect(map((x: number) => x * 2, { a: [1, 2], b: null, c: new Point(3, 4, "p") })).toStrictEqual({
      a: [2, 4],
      b: null,
      c: new Point(6, 8, "p"),
    });
  });

  it("maps several trees leaf by leaf", () => {
    const out = map((x: number, y: number, z: number) => x + y * z, [1, { k: 2 }], [10, { k: 20 }], [2, { k: 3 }]);
    expect(out).toEqual([21, { k: 62 }]);
  });

  it("gives f the subtree where the first tree has a leaf (prefix semantics)", () => {
    const out = map((x: number, sub: unknown) => [x, leaves(sub).length], [1, 2], [[5, 6], 7]);
    expect(out).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it("names both structures on mismatch", () => {
    const call = () => map((x: number, y: number) => x + y, [1, 2], [1, 2, 3]);
    expect(call).toThrow(/PyTreeDef\(\[\*, \*\]\)/);
    expect(call).toThrow(/PyTreeDef\(\[\*, \*, \*\]\)/);
    expect(call).toThrow(/array length mismatch: expected 2, got 3/);
    expect(() => map((x: number) => x, { a: 1 }, { b: 1 })).toThrow(/keys mismatch/);
    expect(() => map((x: number) => x, { a: [1] }, { a: 1 })).toThrow(/\['a'\]/);
    expect(() => map((x: number) => x, new Point(1, 2, "a"), new Point(1, 2, "b"))).toThrow(/auxiliary data/);
  });

  it("mapWith passes isLeaf", () => {
    const out = mapWith({ isLeaf: (x) => x === null }, (x: unknown) => (x === null ? "none" : x), [null, 1]);
    expect(out).toEqual(["none", 1]);
  });
});

describe("flattenUpTo", () => {
  it("returns the subtrees at the prefix's leaves", () => {
    const def = structure([0, { a: 0, b: 0 }]);
    expect(flattenUpTo(def, [[1, 2], { a: { z: 3 }, b: 4 }])).toEqual([[1, 2], { z: 3 }, 4]);
  });

  it("reports the key path of a mismatch", () => {
    const def = structure([0, { a: [0, 0] }]);
    expect(() => flattenUpTo(def, [1, { a: 5 }])).toThrow(/\[1\]\['a'\]: expected an array of length 2, got 5/);
  });
});

describe("broadcastPrefix", () => {
  it("broadcasts a leaf prefix over a whole tree", () => {
    expect(broadcastPrefix(0, [1, { a: 2, b: [3] }])).toEqual([0, 0, 0]);
  });

  it("treats null in the prefix as a leaf covering a subtree", () => {
    const full = [[1, 2, 3], { a: 4 }, 5];
    expect(broadcastPrefix([null, 0, 1], full)).toEqual([null, null, null, 0, 1]);
    expect(broadcastPrefix(null, full)).toEqual([null, null, null, null, null]);
  });

  it("handles nested prefixes", () => {
    const full = [{ x: [1, 2], y: 3 }, [4, [5, 6]]];
    expect(broadcastPrefix([{ x: 1, y: null }, [0, [null, 2]]], full)).toEqual([1, 1, null, 0, null, 2]);
  });

  it("gives nothing for empty subtrees of the full tree", () => {
    expect(broadcastPrefix([0, 1], [null, [2]])).toEqual([1]);
  });

  it("can keep null an empty subtree in the prefix", () => {
    expect(broadcastPrefix([null, 1], [null, 2], undefined, () => false)).toEqual([1]);
  });

  it("errors when the prefix is not a prefix", () => {
    expect(() => broadcastPrefix([0, 1], [1, 2, 3])).toThrow(/not a prefix/);
    expect(() => broadcastPrefix({ a: 0 }, { b: 1 })).toThrow(/keys mismatch/);
  });
});

describe("misc", () => {
  it("treeAll", () => {
    expect(treeAll([true, { a: 1 }, null])).toBe(true);
    expect(treeAll([true, { a: 0 }])).toBe(false);
    expect(treeAll([])).toBe(true);
  });

  it("PyTreeDef counts leaves and nodes", () => {
    const def: PyTreeDef = structure([1, [2, null]]);
    expect(def.numLeaves).toBe(2);
    expect(def.numNodes).toBe(5);
  });
});
