/**
 * The secret key ring of the tests: what the client seals with and the fake providers open with. Built from the
 * same default config as the tests' workers (no key file read), so both sides agree.
 */
import { parseConfig } from '../../common/config.js';
import { SecretKeyRing } from '../../common/secret-seal.js';
import type { SealedSecret } from '../../common/secret-seal.js';

export const TEST_SECRET_CONFIG = parseConfig({
  PII_KEYS_FILE: '/nonexistent/pii-keys',
  SECRET_SEAL_KEYS_FILE: '/nonexistent/secret-seal-keys',
});

export const testSecrets = SecretKeyRing.fromConfig(TEST_SECRET_CONFIG);

/** A secret as the client would put it in an Update. */
export const sealed = (clear: string): SealedSecret => testSecrets.seal(clear);

/** What a prepare() needs when the action stores no documents. */
export const noDocuments = { documents: undefined, secrets: testSecrets };
