/** Value schemas shared by the core config and the providers' fragments, so each variable reads the same way. */
import { z } from 'zod';

export const port = z.coerce.number().int().min(0).max(65535);
export const url = z.string().url();
export const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m, 2h or 7d');
export const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** Max provider API calls per second, per provider task queue (Temporal's task-queue rate limit). */
export const rateLimit = z.coerce.number().positive().default(20);
