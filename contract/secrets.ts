/**
 * Secrets (a card PIN, an SMS code, any future credential) are a class apart from PII: nobody may read them once
 * the customer has typed them, operators included. The onboarding client seals each one at the edge
 * (common/secret-seal.ts, a key the codec endpoint never holds), so Update arguments and activity inputs carry only
 * `{sealed: "<keyId>.<base64url>"}`; the provider HTTP core opens it while writing the request body.
 *
 * Deterministic (imported by workflows): workflows check the shape, never the value, and pass it on unopened.
 */
import type { ValueRule } from './rules.js';

/** A secret sealed with SECRET_SEAL_KEYS: `<keyId>.<base64url(iv | ciphertext | tag)>`. Opaque to workflows. */
export interface SealedSecret {
  sealed: string;
}

/**
 * What an activity input's secret field may hold: the sealed form, or a clear string left by an Update accepted
 * before sealing existed (an in-flight onboarding at the upgrade; its history already holds it in clear).
 */
export type SecretValue = SealedSecret | string;

/** Key id as PII_KEYS and SECRET_SEAL_KEYS allow it, a dot, then base64url (never a dot). */
const SEALED_PATTERN = /^[A-Za-z0-9._-]{1,64}\.[A-Za-z0-9_-]{38,}$/;

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const sealed = (value as { sealed?: unknown }).sealed;
  return keys.length === 1 && typeof sealed === 'string' && SEALED_PATTERN.test(sealed);
}

/**
 * The workflow validator's rule for a secret field: sealed, whatever the value inside. The clear value's format was
 * checked at the edge before sealing (the same rule of contract/rules.ts); a clear value sent straight to the
 * Update (a client that does not seal) is refused here, and a refused Update is never written to the history.
 */
export const SEALED_SECRET_MESSAGE = 'must be sealed by the onboarding client (send it through the gateway or library)';
export const sealedSecretRule: ValueRule = (value) => (isSealedSecret(value) ? null : SEALED_SECRET_MESSAGE);
