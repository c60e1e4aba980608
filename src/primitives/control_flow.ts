// Control-flow primitives: cond, while and scan carry jaxprs; their rules live in
// control_flow_cond.ts, control_flow_while.ts and control_flow_scan.ts (importing this module
// also registers their partial-evaluation rules).
export { cond_p, type CondParams } from "./control_flow_cond.js";
export { while_p, type WhileParams, REVERSE_WHILE_ERROR } from "./control_flow_while.js";
export { scan_p, type ScanParams } from "./control_flow_scan.js";
