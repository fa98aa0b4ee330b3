/**
 * What `import * as tslab from "tslab"` gives a notebook inside Labbook, so notebooks
 * written for tslab run unchanged. The type declarations stay tslab's own (the checker
 * reads them from the tslab package); this is the runtime behind them.
 */
import { display, newDisplay } from './sdk/display';

const tslabPackage = require('tslab/package.json') as { version: string };
const typescript = require('@tslab/typescript-for-tslab') as { version: string };

export { display, newDisplay };
export const versions = {
  tslab: tslabPackage.version,
  typescript: typescript.version,
  node: process.version,
};
