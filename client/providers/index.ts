/**
 * The client provider registry: one line per provider the library and the gateway can onboard with. Everything
 * provider-shaped in client/ (start-body union, OpenAPI components, action list, webhook intake) is built from it.
 */
import type { ClientProvider } from '../provider-definition.js';
import { greendotClientProvider } from './greendot.js';
import { jikoClientProvider } from './jiko.js';
import { linkcyClientProvider } from './linkcy.js';
import { netspendClientProvider } from './netspend.js';

export const CLIENT_PROVIDERS = [
  greendotClientProvider,
  jikoClientProvider,
  linkcyClientProvider,
  netspendClientProvider,
] as const satisfies readonly ClientProvider[];
