/**
 * Every failure the user can act on is a CfgmigError. main.ts is the one place that turns
 * it into an exit code and a message; nothing else calls process.exit.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  conflict: 3,
  paused: 4,
  changesPending: 10,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode = 'failed' | 'badInput' | 'conflict' | 'paused' | 'interrupted';

export interface ErrorDetails {
  hint?: string;
  file?: string;
  line?: number;
  cause?: unknown;
}

export class CfgmigError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CfgmigError';
    this.code = code;
    this.hint = details.hint;
    this.file = details.file;
    this.line = details.line;
  }

  get exitCode(): ExitCodeValue {
    return ExitCode[this.code];
  }
}

/** Bad input or usage: invalid flags, unreadable or invalid files. Nothing was written. */
export function badInput(message: string, details?: ErrorDetails): CfgmigError {
  return new CfgmigError('badInput', message, details);
}
