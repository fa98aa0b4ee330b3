/**
 * The modules the kernel provides to notebooks (`labbook`, `tslab`) and where packages
 * missing from the notebook's folders are looked up last, in one place: the kernel runs and
 * type-checks cells with them, and the notebook language process checks cells as the
 * kernel would, so both must name the same files.
 */
import * as path from 'node:path';
import type { ProvidedModule } from './executor';

export interface KernelModules {
  provided: Record<string, ProvidedModule>;
  /** Labbook's own folder: its node_modules answers last. */
  fallbackDir: string;
}

/** `kernelDir` is the built kernel folder (dist/kernel), where main.js lies. */
export function kernelModules(kernelDir: string): KernelModules {
  const distRoot = path.join(kernelDir, '..');
  return {
    provided: {
      labbook: {
        runtime: path.join(kernelDir, 'sdk', 'index.js'),
        types: path.join(distRoot, 'sdk-types', 'labbook'),
      },
      tslab: { runtime: path.join(kernelDir, 'tslab-compat.js') },
    },
    fallbackDir: path.join(distRoot, '..'),
  };
}
