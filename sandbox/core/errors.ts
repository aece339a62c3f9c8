/**
 * The core's own error envelope, used only by `/_sandbox` control routes and as the default body of injected
 * faults. Each provider answers its own API errors in its own documented envelope.
 */
export interface SandboxErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function sandboxError(code: string, message: string, details?: unknown): SandboxErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

export function defaultFaultBody(status: number): SandboxErrorBody {
  if (status === 429) return sandboxError('rate_limited', 'Too many requests (injected by the sandbox)');
  return sandboxError('sandbox_fault', `Injected ${status} (sandbox fault)`);
}
