/**
 * The provider simulators this sandbox serves. Adding a provider = one import line + one array entry.
 * Each module exports `name`, `register` and optionally `registerControls` / `faultBody` (see ./context.ts).
 */
import type { SandboxProvider } from './context.js';
import * as jiko from '../jiko/index.js';
import * as linkcy from '../linkcy/index.js';
import * as netspend from '../netspend/index.js';

export const providers: readonly SandboxProvider[] = [jiko, netspend, linkcy];
