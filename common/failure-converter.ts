/**
 * The failure converter every worker, workflow bundle and client uses. Workflow-safe (only @temporalio/common):
 * the worker bundles this file through `failureConverterPath`. `encodeCommonAttributes` moves failure messages
 * and stack traces into an encoded payload, so the PII codec encrypts them like any other payload.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
