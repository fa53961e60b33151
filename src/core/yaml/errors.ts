import type { Document, LineCounter } from 'yaml';

/** The first YAML syntax error of a document as a line and a message free of the file's content. */
export function firstYamlError(doc: Document, lc: LineCounter): { line: number; message: string } | null {
  const err = doc.errors[0];
  if (!err) return null;
  const line = err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line;
  // The yaml library appends a source excerpt after the first line; it may hold a secret.
  const message = `invalid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
  return { line, message };
}
