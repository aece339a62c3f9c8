/**
 * Sealing of secrets (PINs, SMS codes), apart from the PII codec. The client library and the gateway seal each
 * secret field of an action before it becomes an Update argument; the worker's provider HTTP core opens it while
 * writing the provider's request body (activities/http/client.ts). Both hold SECRET_SEAL_KEYS; the codec endpoint
 * and anything built on PII_KEYS alone never do, so a payload decoded for the Web UI (or `temporal` with the codec)
 * shows `{sealed: "<keyId>.<…>"}` and nothing that leads back to the value.
 *
 * Same AES-256-GCM key ring as the PII codec (common/codec.ts: `keyId:base64` entries, the first seals, all open)
 * under its own AAD, so a key given to both by mistake still cannot open one kind of data as the other.
 */
import { DecryptionError, PiiKeyError, PiiKeyRing, UnknownKeyIdError } from './codec.js';
import { isSealedSecret } from '../contract/secrets.js';
import type { SealedSecret, SecretValue } from '../contract/secrets.js';

export type { SealedSecret, SecretValue };
export { isSealedSecret };

const SECRET_AAD = 'sealed-secret/v1';

/** A sealed secret this process cannot open: its key id is not in SECRET_SEAL_KEYS, or the data was altered. */
export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';
}

/** What the edge needs: seal only. */
export interface SecretSealer {
  seal(clear: string): SealedSecret;
}

/** What the provider HTTP core needs: open (a clear string from before sealing passes through). */
export interface SecretOpener {
  open(value: SecretValue): string;
}

export class SecretKeyRing implements SecretSealer, SecretOpener {
  private constructor(private readonly keyRing: PiiKeyRing) {}

  /** Throws naming SECRET_SEAL_KEYS, never echoing key material. */
  static fromSpec(spec: string): SecretKeyRing {
    try {
      return new SecretKeyRing(PiiKeyRing.fromSpec(spec));
    } catch (err) {
      if (err instanceof PiiKeyError) throw new PiiKeyError(err.message.replaceAll('PII_KEYS', 'SECRET_SEAL_KEYS'));
      throw err;
    }
  }

  static fromConfig(config: { SECRET_SEAL_KEYS: string }): SecretKeyRing {
    return SecretKeyRing.fromSpec(config.SECRET_SEAL_KEYS);
  }

  seal(clear: string): SealedSecret {
    const { keyId, sealed } = this.keyRing.seal(Buffer.from(clear, 'utf8'), SECRET_AAD);
    return { sealed: `${keyId}.${sealed.toString('base64url')}` };
  }

  open(value: SecretValue): string {
    if (typeof value === 'string') return value;
    if (!isSealedSecret(value)) throw new SecretUnreadableError('not a sealed secret');
    const dot = value.sealed.lastIndexOf('.');
    const keyId = value.sealed.slice(0, dot);
    try {
      return this.keyRing.open(keyId, Buffer.from(value.sealed.slice(dot + 1), 'base64url'), SECRET_AAD).toString();
    } catch (err) {
      if (err instanceof UnknownKeyIdError) {
        throw new SecretUnreadableError(
          `a secret sealed with key '${keyId}', which SECRET_SEAL_KEYS does not have (it has: ` +
            `${this.keyRing.keyIds.join(', ')}); keep an old key after the new one until no sealed secret needs it`,
        );
      }
      if (err instanceof DecryptionError) {
        throw new SecretUnreadableError(`a secret sealed with key '${keyId}' does not open: altered, or another key`);
      }
      throw err;
    }
  }
}
