/**
 * The PII payload codec: every payload (inputs, results, signals, updates, queries, failure messages) is sealed
 * with AES-256-GCM before it leaves the process, so Temporal's history holds no personal data in plaintext.
 *
 * Keys come from PII_KEYS (`kid:base64,kid2:base64`): the first encrypts, all decrypt, so a key is rotated by
 * prepending a new one and dropping the old one once no retained history needs it. The key id travels in the
 * payload metadata and is bound into the GCM tag (AAD), so a payload cannot be re-labelled with another key id.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// CommonJS package: Node's ESM loader cannot see its named exports, so take the default and destructure.
import proto from '@temporalio/proto';
import { z } from 'zod';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCODING_KEY = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface PiiKey {
  id: string;
  key: Buffer;
}

export class PiiKeyError extends Error {
  override name = 'PiiKeyError';
}

/** A payload or document sealed with a key id this process does not have. */
export class UnknownKeyIdError extends Error {
  override name = 'UnknownKeyIdError';
  constructor(
    readonly keyId: string,
    knownKeyIds: readonly string[],
  ) {
    super(
      `cannot decrypt: encryption key id '${keyId}' is not configured (PII_KEYS has: ${knownKeyIds.join(', ')}). ` +
        'Add the old key to PII_KEYS (after the current one) to read data sealed before a rotation.',
    );
  }
}

/** Authentication failed: wrong key material for this id, or the ciphertext was altered. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** Parses `kid:base64[,kid:base64…]`; names the faulty entry without echoing key material. */
export function parsePiiKeys(spec: string): PiiKey[] {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new PiiKeyError('PII_KEYS is empty: expected kid:base64key[,kid:base64key]');
  const keys: PiiKey[] = [];
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const material = separator > 0 ? entry.slice(separator + 1) : '';
    if (!KEY_ID_PATTERN.test(id)) {
      throw new PiiKeyError(`PII_KEYS entry ${index + 1}: expected kid:base64key with kid in [A-Za-z0-9._-]`);
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new PiiKeyError(`PII_KEYS key '${id}': expected ${KEY_BYTES} bytes of base64, got ${key.length} bytes`);
    }
    if (keys.some((existing) => existing.id === id)) throw new PiiKeyError(`PII_KEYS key id '${id}' appears twice`);
    keys.push({ id, key });
  });
  return keys;
}

/** AES-256-GCM with a random 96-bit IV per message. Sealed layout: iv | ciphertext | tag. */
export class PiiKeyRing {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly primaryKeyId: string;

  constructor(keys: readonly PiiKey[]) {
    if (keys.length === 0) throw new PiiKeyError('at least one PII key is required');
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.primaryKeyId = keys[0]!.id;
  }

  static fromSpec(spec: string): PiiKeyRing {
    return new PiiKeyRing(parsePiiKeys(spec));
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  seal(plaintext: Uint8Array, aad: string): { keyId: string; sealed: Buffer } {
    const keyId = this.primaryKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(`${aad}|${keyId}`));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId, sealed: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]) };
  }

  open(keyId: string, sealed: Uint8Array, aad: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownKeyIdError(keyId, this.keyIds);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError(`sealed data too short for key '${keyId}'`);
    const data = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${aad}|${keyId}`));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new DecryptionError(
        `cannot decrypt with key '${keyId}': authentication failed (altered data or wrong key)`,
      );
    }
  }
}

const { temporal } = proto;
const PAYLOAD_AAD = 'temporal-payload/v1';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyRing: PiiKeyRing) {}

  static fromSpec(spec: string): AesGcmPayloadCodec {
    return new AesGcmPayloadCodec(PiiKeyRing.fromSpec(spec));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const { keyId, sealed } = this.keyRing.seal(plaintext, PAYLOAD_AAD);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [METADATA_KEY_ID]: encoder.encode(keyId),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before encryption was enabled (or by a tool without the codec) pass through unchanged.
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
      if (!keyIdBytes) throw new DecryptionError(`encrypted payload has no '${METADATA_KEY_ID}' metadata`);
      const plaintext = this.keyRing.open(decoder.decode(keyIdBytes), payload.data ?? new Uint8Array(), PAYLOAD_AAD);
      return temporal.api.common.v1.Payload.decode(plaintext);
    });
  }
}

export function createPiiCodec(config: { PII_KEYS: string }): AesGcmPayloadCodec {
  return AesGcmPayloadCodec.fromSpec(config.PII_KEYS);
}

// --- the Web UI's codec endpoint format -------------------------------------------------------------------------

/** `{payloads:[{metadata:{key: base64}, data: base64}]}`, as the Temporal Web UI and CLI send to a codec server. */
export const jsonPayloadsSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string().base64()).optional(),
      data: z.string().base64().optional(),
    }),
  ),
});
export type JsonPayloads = z.infer<typeof jsonPayloadsSchema>;

export class CodecRequestInvalid extends Error {
  override name = 'CodecRequestInvalid';
}

function fromJson(body: unknown): Payload[] {
  const parsed = jsonPayloadsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CodecRequestInvalid(`invalid codec body at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data.payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));
}

function toJson(payloads: Payload[]): JsonPayloads {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

/** For `POST /codec/encode`. Throws CodecRequestInvalid (→ 400) on a malformed body. */
export async function encodePayloadsJson(codec: PayloadCodec, body: unknown): Promise<JsonPayloads> {
  return toJson(await codec.encode(fromJson(body)));
}

/** For `POST /codec/decode`. Throws CodecRequestInvalid (→ 400), UnknownKeyIdError or DecryptionError. */
export async function decodePayloadsJson(codec: PayloadCodec, body: unknown): Promise<JsonPayloads> {
  return toJson(await codec.decode(fromJson(body)));
}
