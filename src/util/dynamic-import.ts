/**
 * `import()` of a module not bundled with flipbook (an animation module, `@napi-rs/canvas`,
 * bullmq, ioredis), in one place. The published command's bundle is a CommonJS script compiled
 * with V8's code cache (src/cli/cached-command.ts), and Node 20 runs no `import()` from such a
 * script: there scripts/bundle-cli.mjs puts DYNAMIC_IMPORT_HOOK's function in its place, which
 * the command's loader (an ES module) sets to its own `import()`.
 */
export function dynamicImport(specifier: string): Promise<unknown> {
  return import(specifier);
}

/** The global the command's loader puts its `import()` in, for the bundle's dynamicImport. */
export const DYNAMIC_IMPORT_HOOK = 'flipbook.dynamicImport';
