/**
 * Suites on disk: `<folder of the store>/suites/<encoded name>.json`, e.g.
 * `.labbook/suites/cars.json` next to `.labbook/labbook.db`. Names are encoded so a file
 * name never leaves the folder (core/named-files.ts, shared with promotion gates).
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  encodedJsonFileName,
  encodedJsonPath,
  nameOfEncodedJsonFile,
  writeJsonAtomic,
} from '../named-files';
import { parseSuite, SuiteError, validateSuiteName, type Suite } from './suite';
import { storeFilesDir } from '../store/location';

/** A suite name as a file name that stays inside the suites folder (see core/named-files.ts). */
export const suiteFileName = encodedJsonFileName;

/** The suites folder of a store: `<folder of the store file>/suites` (see storeFilesDir). */
export function suitesDir(storeLocation: string): string {
  return resolve(storeFilesDir(storeLocation), 'suites');
}

/** Where the suite `name` lives; refuses names that could escape the folder. */
export function suitePath(storeLocation: string, name: string): string {
  validateSuiteName(name);
  const folder = suitesDir(storeLocation);
  return encodedJsonPath(
    folder,
    name,
    () =>
      new SuiteError('INVALID', `suite name ${JSON.stringify(name)} cannot be used as a file name`),
  );
}

/** Writes the suite (validated first) atomically; returns the file path. */
export function saveSuite(storeLocation: string, suite: Suite): string {
  const checked = parseSuite(suite);
  const path = suitePath(storeLocation, checked.name);
  writeJsonAtomic(path, checked);
  return path;
}

/** Reads and validates a saved suite; SuiteError NOT_FOUND when there is none. */
export function loadSuite(storeLocation: string, name: string): Suite {
  const path = suitePath(storeLocation, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const known = listSuites(storeLocation);
      throw new SuiteError(
        'NOT_FOUND',
        `no suite ${JSON.stringify(name)} (${path})${known.length ? `; suites: ${known.join(', ')}` : '; infer one with `labbook suite infer FILE --name NAME`'}`,
      );
    }
    throw new SuiteError('UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseSuiteText(text, path, name);
}

/** Parses the text of a suite file; `expectedName` (when given) must match the file's `name`. */
export function parseSuiteText(text: string, where: string, expectedName?: string): Suite {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SuiteError('INVALID', `${where}: not valid JSON: ${(error as Error).message}`);
  }
  const suite = parseSuite(json, where);
  if (expectedName !== undefined && suite.name !== expectedName) {
    throw new SuiteError(
      'INVALID',
      `${where}: name is ${JSON.stringify(suite.name)} but the file is for the suite ${JSON.stringify(expectedName)}`,
    );
  }
  return suite;
}

/** Names of the saved suites, sorted. */
export function listSuites(storeLocation: string): string[] {
  let files: string[];
  try {
    files = readdirSync(suitesDir(storeLocation));
  } catch {
    return [];
  }
  return files
    .map(nameOfEncodedJsonFile)
    .filter((n): n is string => n !== null)
    .sort();
}

/** Removes a saved suite; false when there was none. */
export function deleteSuite(storeLocation: string, name: string): boolean {
  const path = suitePath(storeLocation, name);
  try {
    rmSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
