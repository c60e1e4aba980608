// A small Wadler–Lindig pretty printer (the layout algorithm behind JAX's jaxpr printing):
// documents are text, concatenations, breaks, nesting and groups. A group is printed flat (its
// breaks as their text) when its own content fits in the rest of the line, otherwise each of its
// breaks becomes a newline indented to the current nesting. Like JAX's printer, the fit test looks
// only at the group itself, not at what follows it.

export type Doc =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "concat"; readonly children: readonly Doc[] }
  | { readonly kind: "brk"; readonly text: string }
  | { readonly kind: "nest"; readonly n: number; readonly child: Doc }
  | { readonly kind: "group"; readonly child: Doc };

export const nil: Doc = { kind: "concat", children: [] };
export const text = (s: string): Doc => ({ kind: "text", text: s });
export const concat = (...children: Doc[]): Doc => ({ kind: "concat", children });
/** A break: `s` (a space by default) when its group is flat, a newline otherwise. */
export const brk = (s = " "): Doc => ({ kind: "brk", text: s });
export const nest = (n: number, child: Doc): Doc => ({ kind: "nest", n, child });
export const group = (child: Doc): Doc => ({ kind: "group", child });

export function join(sep: Doc, docs: readonly Doc[]): Doc {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
  return concat(...out);
}

type Mode = "flat" | "break";
type Item = [indent: number, mode: Mode, doc: Doc];

/** Whether `doc` printed flat takes at most `width` columns (stopping at a break of a broken group). */
function fits(doc: Doc, width: number): boolean {
  const agenda: Item[] = [[0, "flat", doc]];
  while (width >= 0 && agenda.length > 0) {
    const [i, m, d] = agenda.pop()!;
    switch (d.kind) {
      case "text":
        width -= d.text.length;
        break;
      case "concat":
        for (let k = d.children.length - 1; k >= 0; k--) agenda.push([i, m, d.children[k]!]);
        break;
      case "brk":
        if (m === "break") return true;
        width -= d.text.length;
        break;
      case "nest":
        agenda.push([i + d.n, m, d.child]);
        break;
      case "group":
        agenda.push([i, "flat", d.child]);
        break;
    }
  }
  return width >= 0;
}

/** Lays `doc` out in `width` columns. */
export function format(doc: Doc, width = 80): string {
  const lines: string[] = [];
  let line = "";
  const agenda: Item[] = [[0, "break", doc]];
  while (agenda.length > 0) {
    const [i, m, d] = agenda.pop()!;
    switch (d.kind) {
      case "text":
        line += d.text;
        break;
      case "concat":
        for (let k = d.children.length - 1; k >= 0; k--) agenda.push([i, m, d.children[k]!]);
        break;
      case "brk":
        if (m === "break") {
          lines.push(line);
          line = " ".repeat(i);
        } else line += d.text;
        break;
      case "nest":
        agenda.push([i + d.n, m, d.child]);
        break;
      case "group":
        agenda.push([i, fits(d.child, width - line.length) ? "flat" : "break", d.child]);
        break;
    }
  }
  lines.push(line);
  return lines.join("\n");
}
