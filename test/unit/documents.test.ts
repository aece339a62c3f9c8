import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiiKeyRing, UnknownKeyIdError } from '../../common/codec.js';
import { DocumentNotFoundError, DocumentStore, isDocumentRef } from '../../common/documents.js';
import { documentSizeRule, sizeInWords } from '../../contract/rules.js';

describe('DocumentStore', () => {
  let directory: string;
  const keySpec = `docs-1:${randomBytes(32).toString('base64')}`;
  const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('PASSPORT ADA LOVELACE 400123456')]);

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'docstore-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('stores encrypted bytes behind a random reference and reads them back', async () => {
    const store = new DocumentStore(directory, PiiKeyRing.fromSpec(keySpec));
    const stored = await store.put(image, { contentType: 'image/png' });
    expect(isDocumentRef(stored.documentRef)).toBe(true);
    expect(stored.sizeBytes).toBe(image.length);
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    const onDisk = await readFile(path.join(directory, files[0]!));
    expect(onDisk.includes(Buffer.from('LOVELACE'))).toBe(false);
    expect(onDisk.includes(Buffer.from('400123456'))).toBe(false);
    const read = await store.get(stored.documentRef);
    expect(read.contentType).toBe('image/png');
    expect(read.bytes.equals(image)).toBe(true);
    const other = await store.put(image, { contentType: 'image/png' });
    expect(other.documentRef).not.toBe(stored.documentRef);
  });

  it('refuses references that are not ours, including path traversal', async () => {
    const store = new DocumentStore(directory, PiiKeyRing.fromSpec(keySpec));
    for (const ref of ['../../etc/passwd', 'doc_../../x', '', 'doc_' + 'a'.repeat(31) + '/', '/tmp/x']) {
      await expect(store.get(ref)).rejects.toThrow(DocumentNotFoundError);
    }
    await expect(store.get('doc_' + 'a'.repeat(32))).rejects.toThrow(DocumentNotFoundError);
  });

  it('reads documents sealed before a key rotation, and names a missing key', async () => {
    const before = new DocumentStore(directory, PiiKeyRing.fromSpec(keySpec));
    const stored = await before.put(image, { contentType: 'image/jpeg' });
    const newSpec = `docs-2:${randomBytes(32).toString('base64')}`;
    const rotated = new DocumentStore(directory, PiiKeyRing.fromSpec(`${newSpec},${keySpec}`));
    expect((await rotated.get(stored.documentRef)).bytes.equals(image)).toBe(true);
    const newOnly = new DocumentStore(directory, PiiKeyRing.fromSpec(newSpec));
    await expect(newOnly.get(stored.documentRef)).rejects.toThrow(UnknownKeyIdError);
  });

  it('deletes', async () => {
    const store = new DocumentStore(directory, PiiKeyRing.fromSpec(keySpec));
    const stored = await store.put(image, { contentType: 'image/png' });
    await store.delete(stored.documentRef);
    await expect(store.get(stored.documentRef)).rejects.toThrow(DocumentNotFoundError);
  });
});

describe('document size rule', () => {
  it('says the limit in words, the same at the edge and in the workflow', () => {
    expect(documentSizeRule(5 * 1024 * 1024)(6 * 1024 * 1024)).toBe('too large: at most 5 MB (5242880 bytes)');
    expect(documentSizeRule(5 * 1024 * 1024)(0)).toBe('the document is empty');
    expect(documentSizeRule(5 * 1024 * 1024)(1.5)).toBe('must be a whole number of bytes');
    expect(documentSizeRule(5 * 1024 * 1024)(5 * 1024 * 1024)).toBeNull();
    expect(sizeInWords(1536)).toBe('1.5 KB');
  });
});
