/**
 * Real notebook kernels for the notebook tests: Deno's Jupyter kernel and tslab (both from
 * notebooks/kernels, installed by `npm ci --prefix notebooks/kernels`), run headless by Debian's
 * `jupyter nbconvert` (jupyter-nbconvert, python3-nbclient). Everything Jupyter and Deno write
 * (kernelspecs, connection files, Deno's cache) goes into a temporary directory, never $HOME.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './cli.js';

const run = promisify(execFile);

export const NBCONVERT = '/usr/bin/jupyter-nbconvert';
const KERNELS = join(ROOT, 'notebooks', 'kernels', 'node_modules', '.bin');
export const DENO = join(KERNELS, 'deno');
export const TSLAB = join(KERNELS, 'tslab');

/** The kernels, by the names their kernelspecs get here. */
export const KERNEL_NAMES = { deno: 'flipbook-deno', tslab: 'flipbook-tslab' } as const;
export type Kernel = keyof typeof KERNEL_NAMES;

/** `false` when nbconvert and both kernels are there; else why to skip. Under CI=true, throws. */
export function notebookSkipReason(): string | false {
  const missing = [
    existsSync(NBCONVERT) ? undefined : `${NBCONVERT} (apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel)`,
    existsSync(DENO) && existsSync(TSLAB) ? undefined : `the kernels in notebooks/kernels (npm ci --prefix notebooks/kernels)`,
  ].filter((m) => m !== undefined);
  if (missing.length === 0) return false;
  if (process.env.CI) throw new Error(`Missing for the notebook tests: ${missing.join('; ')}. .ci/run installs them`);
  return `missing ${missing.join('; ')}`;
}

export interface NotebookEnv {
  /** The environment nbconvert runs in. */
  env: NodeJS.ProcessEnv;
  /** A project where `flipbook` is installed (a link to this repository), as a user's would be. */
  project: string;
}

/**
 * Kernelspecs in `dir`: Deno's through `deno jupyter --install` (which writes to
 * $XDG_DATA_HOME/jupyter/kernels), tslab's written by hand (`tslab install` looks for a
 * pip-installed Jupyter). And a project directory with flipbook in its node_modules.
 */
export async function setUpNotebooks(dir: string): Promise<NotebookEnv> {
  const data = join(dir, 'xdg');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_DATA_HOME: data,
    JUPYTER_PATH: join(data, 'jupyter'),
    JUPYTER_DATA_DIR: join(dir, 'jupyter-data'),
    JUPYTER_RUNTIME_DIR: join(dir, 'jupyter-runtime'),
    JUPYTER_CONFIG_DIR: join(dir, 'jupyter-config'),
    DENO_DIR: join(dir, 'deno'),
    DENO_NO_UPDATE_CHECK: '1',
    PYTHONPATH: join(ROOT, 'test', 'helpers'),
    NO_COLOR: '1',
  };
  await run(DENO, ['jupyter', '--install', '--force', '--name', KERNEL_NAMES.deno, '--display', 'Deno'], { env });
  const tslab = join(data, 'jupyter', 'kernels', KERNEL_NAMES.tslab);
  await mkdir(tslab, { recursive: true });
  await writeFile(join(tslab, 'kernel.json'), JSON.stringify({ argv: [TSLAB, 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript (tslab)', language: 'typescript' }));
  const project = join(dir, 'project');
  await mkdir(join(project, 'node_modules'), { recursive: true });
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'notebook-test', private: true, type: 'module' }));
  await symlink(ROOT, join(project, 'node_modules', 'flipbook'), 'dir');
  // Node's types, as a TypeScript project has them: tslab type-checks each cell with them (console, Buffer).
  await mkdir(join(project, 'node_modules', '@types'));
  await symlink(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
  return { env, project };
}

/** One output of a code cell, as nbformat stores it. */
export interface CellOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error' | 'update_display_data';
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: CellOutput[];
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

export const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join('') : (text ?? ''));

/**
 * Executes `notebook` (a path in notebooks/) in `kernel` inside the project, with the cell
 * tagged `parameters` replaced by `parameters` (papermill's convention), and returns the
 * executed notebook and the seconds it took.
 */
export async function executeNotebook(nb: NotebookEnv, notebook: string | Notebook, kernel: Kernel, parameters: string | undefined, name: string): Promise<{ executed: Notebook; seconds: number }> {
  const source = typeof notebook === 'string' ? (JSON.parse(await readFile(join(ROOT, 'notebooks', notebook), 'utf8')) as Notebook) : notebook;
  if (parameters !== undefined) {
    const cell = source.cells.find((c) => c.metadata.tags?.includes('parameters'));
    if (!cell) throw new Error(`${name} has no cell tagged parameters`);
    cell.source = parameters;
  }
  const input = join(nb.project, `${name}.ipynb`);
  await writeFile(input, JSON.stringify(source));
  const started = performance.now();
  await run(
    NBCONVERT,
    [
      '--to',
      'notebook',
      '--Exporter.preprocessors=ordered_execute.BarrierExecutePreprocessor',
      '--BarrierExecutePreprocessor.enabled=True',
      `--BarrierExecutePreprocessor.kernel_name=${KERNEL_NAMES[kernel]}`,
      '--BarrierExecutePreprocessor.timeout=120',
      '--BarrierExecutePreprocessor.startup_timeout=120',
      // FLIPBOOK_NO_BARRIER=1 shows what the barrier is for (the printing test then fails).
      `--BarrierExecutePreprocessor.barrier=${kernel === 'deno' && !process.env.FLIPBOOK_NO_BARRIER ? 'True' : 'False'}`,
      '--output',
      `${name}.executed.ipynb`,
      input,
    ],
    { env: nb.env, cwd: nb.project, maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = (performance.now() - started) / 1000;
  const executed = JSON.parse(await readFile(join(nb.project, `${name}.executed.ipynb`), 'utf8')) as Notebook;
  return { executed, seconds };
}
