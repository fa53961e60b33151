/**
 * Character classes for the cheap text scans that run before (or instead of) a parse: the
 * pre-filter and the TypeScript type-assertion guard. Approximate on purpose: every non-ASCII
 * character counts as an identifier character, which can only make a scan see more names, never
 * fewer.
 */

/** `[A-Za-z0-9_$]` or non-ASCII; with `dash`, also `-` (JSX attributes, kebab-case keys). */
export function isIdentChar(c: number, dash: boolean): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 36 ||
    (dash && c === 45) ||
    c >= 0x80
  );
}
