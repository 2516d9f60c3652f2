import { readFileSync } from 'node:fs';

/** Why an allocation can fail in this process (Linux). */
export type MemoryLimit =
  /** `ulimit -v`: the soft limit on the address space, in bytes. */
  | { kind: 'address-space'; bytes: number }
  /** `vm.overcommit_memory = 2`: the kernel refuses allocations past its commit limit. */
  | { kind: 'overcommit' };

/** The address-space limit or strict overcommit, read from /proc (two small reads); undefined when neither, or not Linux. */
export function memoryLimit(): MemoryLimit | undefined {
  if (process.platform !== 'linux') return undefined;
  const limits = readProc('/proc/self/limits');
  const soft = limits?.match(/^Max address space\s+(\S+)/m)?.[1];
  if (soft !== undefined && /^\d+$/.test(soft)) return { kind: 'address-space', bytes: Number(soft) };
  if (readProc('/proc/sys/vm/overcommit_memory')?.trim() === '2') return { kind: 'overcommit' };
  return undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
