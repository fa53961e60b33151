/**
 * SEED (to be completed by the classifier work): the name and value patterns shared by the
 * classifier and the source scanners. Keep these two exports and their contracts.
 */

/** Returns a short reason (e.g. "name: PASSWORD") when the name looks like it holds a secret, else null. */
export function secretNameMatch(name: string): string | null {
  const m = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential|connection[_-]?string)/i.exec(
    name,
  );
  return m ? `name: ${m[1]!.toUpperCase()}` : null;
}

/** Returns a short reason (e.g. "value: AWS access key") when the value itself looks like a secret, else null. */
export function secretValueMatch(value: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i.test(value)) return 'value: URL with password';
  if (/\bAKIA[0-9A-Z]{16}\b/.test(value)) return 'value: AWS access key';
  return null;
}
