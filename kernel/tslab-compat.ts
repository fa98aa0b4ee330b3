/**
 * What `import * as tslab from "tslab"` gives a notebook inside Labbook, so notebooks
 * written for tslab run unchanged. The type declarations stay tslab's own (the checker
 * reads them from the tslab package); this is the runtime behind them.
 */
import typescriptPackage from '@tslab/typescript-for-tslab/package.json';
import tslabPackage from 'tslab/package.json';
import { display, newDisplay } from './sdk/display';

export { display, newDisplay };
export const versions = {
  tslab: tslabPackage.version,
  typescript: typescriptPackage.version,
  node: process.version,
};
