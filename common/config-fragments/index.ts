/**
 * The config fragment registry: one line per provider. Each fragment is a zod shape of that provider's variables
 * (named `<PROVIDER>_…`), merged into the one schema of common/config.ts, so a bad value is reported the same way.
 */
import { greendotConfig } from './greendot.js';
import { jikoConfig } from './jiko.js';
import { linkcyConfig } from './linkcy.js';
import { netspendConfig } from './netspend.js';

export const PROVIDER_CONFIG = { ...greendotConfig, ...jikoConfig, ...linkcyConfig, ...netspendConfig };
