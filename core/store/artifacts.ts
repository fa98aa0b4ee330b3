/**
 * Content-addressed artifact files: the bytes live at `artifacts/ab/cdef…` (the SHA-256
 * split after two hex digits so no folder grows huge), and the database maps a run's
 * artifact NAME to that hash. Identical content is stored once.
 *
 * Writes go to a temp file in the same folder tree, are fsynced, then renamed into place:
 * rename is atomic, so a killed process can leave a stray temp file but never a half
 * artifact at an addressed path.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { extname, join } from 'node:path';
import { StoreError } from './errors';

export const MAX_ARTIFACT_NAME_LENGTH = 255;

/** What an artifact can be made from: text (UTF-8), bytes, or a file to copy. */
export type ArtifactData = string | Uint8Array | { path: string };

export interface StoredBlob {
  sha256: string;
  size: number;
}

function describeName(name: string): string {
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return JSON.stringify(shown);
}

function invalidName(name: string, why: string): StoreError {
  return new StoreError(
    'INVALID_ARTIFACT_NAME',
    `invalid artifact name ${describeName(name)}: ${why}`,
  );
}

/**
 * Checks that an artifact name is a plain relative path such as `model/weights.bin`.
 * Names never become file paths here (files are addressed by hash), but exports and
 * downloads will write them, so anything that could escape a folder is refused now.
 */
export function validateArtifactName(name: unknown): string {
  if (typeof name !== 'string') {
    throw new StoreError(
      'INVALID_ARTIFACT_NAME',
      `invalid artifact name: must be a string, got ${typeof name}`,
    );
  }
  if (name.length === 0) throw invalidName(name, 'it is empty');
  if (name.length > MAX_ARTIFACT_NAME_LENGTH) {
    throw invalidName(
      name,
      `it is ${name.length} characters long; the limit is ${MAX_ARTIFACT_NAME_LENGTH}`,
    );
  }
  if (name.includes('\0')) throw invalidName(name, 'it contains a NUL character');
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f]/.test(name)) throw invalidName(name, 'it contains a control character');
  if (name.includes('\\')) {
    throw invalidName(name, 'it contains a backslash; use "/" to separate folders');
  }
  if (name.startsWith('/')) {
    throw invalidName(
      name,
      'it is an absolute path; use a relative name such as "model/weights.bin"',
    );
  }
  if (/^[A-Za-z]:/.test(name))
    throw invalidName(name, 'it starts with a drive letter (an absolute Windows path)');
  for (const segment of name.split('/')) {
    if (segment === '..')
      throw invalidName(name, 'it contains a ".." segment, which could escape the artifact folder');
    if (segment === '' || segment === '.')
      throw invalidName(name, 'it contains an empty or "." path segment');
  }
  return name;
}

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.pdf': 'application/pdf',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.bin': 'application/octet-stream',
};

/** Media type from the name's extension; text data without a known extension is text/plain. */
export function guessMediaType(name: string, data: ArtifactData): string {
  const known = MEDIA_TYPES[extname(name).toLowerCase()];
  if (known) return known;
  return typeof data === 'string' ? 'text/plain' : 'application/octet-stream';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class ArtifactFiles {
  constructor(readonly root: string) {}

  /** Where the content with this hash lives (whether or not it exists). */
  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `not a SHA-256 hex digest: ${JSON.stringify(sha256)}`,
      );
    }
    return join(this.root, sha256.slice(0, 2), sha256.slice(2));
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  read(sha256: string): Buffer {
    const path = this.pathOf(sha256);
    if (!existsSync(path)) {
      throw new StoreError('NOT_FOUND', `artifact content ${sha256} is missing from ${this.root}`);
    }
    return readFileSync(path);
  }

  /** Stores text or bytes; returns their hash and size. */
  put(data: string | Uint8Array): StoredBlob {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!this.has(sha256)) {
      const { path: tmp, fd } = this.openTemp();
      try {
        let written = 0;
        while (written < bytes.byteLength)
          written += writeSync(fd, bytes, written, bytes.byteLength - written);
        fsyncSync(fd);
      } catch (error) {
        closeSync(fd);
        rmSync(tmp, { force: true });
        throw error;
      }
      closeSync(fd);
      this.moveIntoPlace(tmp, sha256);
    }
    return { sha256, size: bytes.byteLength };
  }

  /** Copies a file in, hashing while copying so large files are read once and never held in memory. */
  /** Stores an artifact's data of any kind ArtifactData allows; `name` only names it in an error. */
  putData(name: string, data: ArtifactData): StoredBlob {
    if (typeof data === 'string') return this.put(data);
    // isView rather than instanceof: arrays made in another realm (a vm context) count too.
    if (ArrayBuffer.isView(data))
      return this.put(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (data && typeof data === 'object' && typeof data.path === 'string')
      return this.putFile(data.path);
    throw new StoreError(
      'INVALID_ARGUMENT',
      `artifact ${JSON.stringify(name)}: data must be a string, a Uint8Array or { path }`,
    );
  }

  putFile(sourcePath: string): StoredBlob {
    let source: number;
    try {
      source = openSync(sourcePath, 'r');
    } catch (error) {
      throw new StoreError(
        'NOT_FOUND',
        `cannot read artifact source ${sourcePath}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const hash = createHash('sha256');
    const { path: tmp, fd } = this.openTemp();
    let size = 0;
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = readSync(source, buffer, 0, buffer.length, null);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
        let written = 0;
        while (written < n) written += writeSync(fd, buffer, written, n - written);
        size += n;
      }
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw error;
    } finally {
      closeSync(source);
    }
    closeSync(fd);
    const sha256 = hash.digest('hex');
    this.moveIntoPlace(tmp, sha256);
    return { sha256, size };
  }

  private openTemp(): { path: string; fd: number } {
    const dir = join(this.root, '.tmp');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
    return { path, fd: openSync(path, 'wx') };
  }

  private moveIntoPlace(tmp: string, sha256: string): void {
    const target = this.pathOf(sha256);
    if (existsSync(target)) {
      rmSync(tmp, { force: true });
      return;
    }
    mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
    renameSync(tmp, target);
  }
}
