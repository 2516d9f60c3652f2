/**
 * The examples import `flipbook` by name, as a user's program does; inside this repository
 * that name resolves to the package itself through its "exports" (a self-reference). Its
 * `flipbook-source` condition points at src/index.ts, so the tests run the examples against
 * the source, not a dist/ that may be stale. This hook adds the condition to every resolution
 * of this process (the type checker has it through tsconfig's customConditions).
 */
import { register } from 'node:module';

const HOOK = `export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, 'flipbook-source'] });
}`;

register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
