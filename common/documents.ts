/**
 * The claim check for document images: the bytes are sealed with the PII key and kept on disk (a directory shared
 * by gateway and worker), and only the random reference travels through workflow history. A reference is opaque,
 * carries no PII, and is validated before it ever touches a path, so no reference can escape the directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PiiKeyRing } from './codec.js';

const REF_PREFIX = 'doc_';
const REF_PATTERN = /^doc_[A-Za-z0-9_-]{32}$/;
const FILE_MAGIC = 'onboarding-document/v1';
const CONTENT_TYPE_PATTERN = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;

export interface StoredDocument {
  documentRef: string;
  sizeBytes: number;
  /** Hex sha-256 of the plaintext bytes, to prove what was sent without keeping a copy in history. */
  sha256: string;
}

export interface DocumentContent {
  bytes: Buffer;
  contentType: string;
}

export class DocumentNotFoundError extends Error {
  override name = 'DocumentNotFoundError';
}

/** Header stored in clear before the sealed bytes; nothing personal in it. Also bound as GCM associated data. */
interface DocumentHeader {
  magic: typeof FILE_MAGIC;
  keyId: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storedAt: string;
}

export function isDocumentRef(value: string): boolean {
  return REF_PATTERN.test(value);
}

export class DocumentStore {
  private readonly directory: string;

  constructor(
    directory: string,
    private readonly keyRing: PiiKeyRing,
  ) {
    this.directory = path.resolve(directory);
  }

  static fromConfig(config: { DOCUMENT_STORE_DIR: string; PII_KEYS: string }): DocumentStore {
    return new DocumentStore(config.DOCUMENT_STORE_DIR, PiiKeyRing.fromSpec(config.PII_KEYS));
  }

  async put(bytes: Uint8Array, options: { contentType: string }): Promise<StoredDocument> {
    if (!CONTENT_TYPE_PATTERN.test(options.contentType)) {
      throw new Error(`invalid document content type: ${options.contentType}`);
    }
    const documentRef = REF_PREFIX + randomBytes(24).toString('base64url');
    const header: DocumentHeader = {
      magic: FILE_MAGIC,
      keyId: this.keyRing.primaryKeyId,
      contentType: options.contentType.toLowerCase(),
      sizeBytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      storedAt: new Date().toISOString(),
    };
    const headerJson = JSON.stringify(header);
    const { sealed } = this.keyRing.seal(bytes, aadFor(documentRef, headerJson));
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const target = this.fileFor(documentRef);
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, Buffer.concat([Buffer.from(headerJson + '\n'), sealed]), { mode: 0o600 });
    await rename(temporary, target);
    return { documentRef, sizeBytes: header.sizeBytes, sha256: header.sha256 };
  }

  async get(documentRef: string): Promise<DocumentContent> {
    const file = await this.read(documentRef);
    const newline = file.indexOf(0x0a);
    if (newline < 0) throw new Error(`document ${documentRef} is corrupt (no header)`);
    const headerJson = file.subarray(0, newline).toString('utf8');
    const header = JSON.parse(headerJson) as DocumentHeader;
    if (header.magic !== FILE_MAGIC) throw new Error(`document ${documentRef} is corrupt (bad header)`);
    const bytes = this.keyRing.open(header.keyId, file.subarray(newline + 1), aadFor(documentRef, headerJson));
    return { bytes, contentType: header.contentType };
  }

  async delete(documentRef: string): Promise<void> {
    await rm(this.fileFor(documentRef), { force: true });
  }

  private async read(documentRef: string): Promise<Buffer> {
    const file = this.fileFor(documentRef);
    try {
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DocumentNotFoundError(`document ${documentRef} not found`);
      }
      throw err;
    }
  }

  private fileFor(documentRef: string): string {
    // The pattern admits only [A-Za-z0-9_-]: no separators, no dots, so the path stays inside the directory.
    if (!isDocumentRef(documentRef)) throw new DocumentNotFoundError('not a document reference');
    return path.join(this.directory, `${documentRef}.sealed`);
  }
}

function aadFor(documentRef: string, headerJson: string): string {
  return `${FILE_MAGIC}|${documentRef}|${headerJson}`;
}
