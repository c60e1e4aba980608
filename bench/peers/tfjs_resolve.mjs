// Node module-resolution hook for bench/peers/tfjs.ts. tfjs-core registers its gradients only
// from its ES-module build (dist/register_all_gradients.js), whose imports omit file extensions
// and name directories ("./gradients/Abs_grad", "./ops/ops"), which Node's ESM resolver refuses.
// Inside @tensorflow packages this hook retries such a relative import as "<spec>.js", then
// "<spec>/index.js". The engine and the kernel/gradient registries live on globalThis, so the
// gradients registered this way serve the CommonJS build the backend uses.

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!specifier.startsWith(".") || !context.parentURL?.includes("/node_modules/@tensorflow/")) throw err;
    for (const suffix of [".js", "/index.js"]) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next form
      }
    }
    throw err;
  }
}
