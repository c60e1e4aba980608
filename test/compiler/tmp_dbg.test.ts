import { it } from "vitest";
import { random } from "../../src/index.js";
import { trace } from "./harness.js";
import { planJaxpr } from "../../src/compiler/index.js";
it("dbg", () => {
  const { jaxpr } = trace((k: any) => random.normal(k, [1000]), [[[2], "uint32"]]);
  try { planJaxpr(jaxpr); } catch (e) { console.log(jaxpr.toString()); throw e; }
});
