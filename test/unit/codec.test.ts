import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, DefaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  CodecRequestInvalid,
  DecryptionError,
  decodePayloadsJson,
  encodePayloadsJson,
  parsePiiKeys,
  PiiKeyError,
  UnknownKeyIdError,
} from '../../common/codec.js';
import { failureConverter } from '../../common/failure-converter.js';
import { createDataConverter } from '../../common/data-converter.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';

const key = () => randomBytes(32).toString('base64');
const converter = new DefaultPayloadConverter();
const applicant = { ssn: '400123456', name: { first: 'Ada', last: 'Lovelace' } };
const text = (payload: Payload) => Buffer.from(payload.data ?? []).toString('utf8');
const meta = (payload: Payload, name: string) => Buffer.from(payload.metadata?.[name] ?? []).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  const oldSpec = `k-2025:${key()}`;
  const newSpec = `k-2026:${key()}`;

  it('round-trips a payload and leaves no plaintext', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(oldSpec);
    const [encoded] = await codec.encode([converter.toPayload(applicant)]);
    expect(meta(encoded!, 'encoding')).toBe('binary/encrypted');
    expect(meta(encoded!, 'encryption-key-id')).toBe('k-2025');
    expect(text(encoded!)).not.toContain('400123456');
    expect(text(encoded!)).not.toContain('Lovelace');
    const [decoded] = await codec.decode([encoded!]);
    expect(converter.fromPayload(decoded!)).toEqual(applicant);
  });

  it('uses a fresh IV each time', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(oldSpec);
    const payload = converter.toPayload(applicant);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates: the new key encrypts, the old key still decrypts', async () => {
    const before = AesGcmPayloadCodec.fromSpec(oldSpec);
    const after = AesGcmPayloadCodec.fromSpec(`${newSpec},${oldSpec}`);
    const [sealedBefore] = await before.encode([converter.toPayload(applicant)]);
    const [sealedAfter] = await after.encode([converter.toPayload(applicant)]);
    expect(meta(sealedAfter!, 'encryption-key-id')).toBe('k-2026');
    const [opened] = await after.decode([sealedBefore!]);
    expect(converter.fromPayload(opened!)).toEqual(applicant);
    // A process that only has the old key cannot read what the new key sealed, and says which key it lacks.
    await expect(before.decode([sealedAfter!])).rejects.toThrow(UnknownKeyIdError);
    await expect(before.decode([sealedAfter!])).rejects.toThrow(/k-2026/);
  });

  it('rejects tampered ciphertext and a swapped key id', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(`a:${key()},b:${key()}`);
    const [sealed] = await codec.encode([converter.toPayload(applicant)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 0xff;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(DecryptionError);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('b') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(DecryptionError);
  });

  it('passes unencrypted payloads through on decode', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(oldSpec);
    const plain = converter.toPayload({ hello: 'world' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('validates PII_KEYS without echoing key material', () => {
    expect(() => parsePiiKeys('')).toThrow(PiiKeyError);
    expect(() => parsePiiKeys('nokey')).toThrow(PiiKeyError);
    expect(() => parsePiiKeys('short:c2hvcnQ=')).toThrow(/'short': expected 32 bytes/);
    expect(() => parsePiiKeys(`${oldSpec},${oldSpec}`)).toThrow(/appears twice/);
    try {
      parsePiiKeys('short:c2hvcnQ=');
    } catch (err) {
      expect(String(err)).not.toContain('c2hvcnQ=');
    }
    expect(parsePiiKeys(`${newSpec}, ${oldSpec}`).map((k) => k.id)).toEqual(['k-2026', 'k-2025']);
  });

  it('serves the Web UI codec endpoint format', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(oldSpec);
    const plain = converter.toPayload(applicant);
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(plain.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(plain.data!).toString('base64'),
        },
      ],
    };
    const encoded = await encodePayloadsJson(codec, body);
    expect(Buffer.from(encoded.payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
    const decoded = await decodePayloadsJson(codec, encoded);
    expect(decoded).toEqual(body);
    await expect(decodePayloadsJson(codec, { payloads: [{ data: 42 }] })).rejects.toThrow(CodecRequestInvalid);
  });

  it('puts failure messages into payloads the codec encrypts', async () => {
    const codec = AesGcmPayloadCodec.fromSpec(oldSpec);
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.nonRetryable('applicant 400123456 rejected', 'Test'),
      converter,
    );
    expect(failure.message).not.toContain('400123456');
    const attributes = failure.encodedAttributes!;
    expect(text(attributes)).toContain('400123456');
    const [sealed] = await codec.encode([attributes]);
    expect(text(sealed!)).not.toContain('400123456');
  });

  it('the data converter loads its failure converter the way the SDK does (require of failureConverterPath)', () => {
    const loaded = loadDataConverter(createDataConverter({ PII_KEYS: oldSpec }));
    const failure = loaded.failureConverter.errorToFailure(new Error('ssn 400123456'), converter);
    expect(failure.message).toBe('Encoded failure');
    expect(loaded.payloadCodecs[0]).toBeInstanceOf(AesGcmPayloadCodec);
  });
});
