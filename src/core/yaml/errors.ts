import type { Document, LineCounter } from 'yaml';

/**
 * What a YAML syntax error says, by the yaml library's error code (node_modules/yaml/dist/errors.d.ts).
 * The library's own messages are never forwarded: several quote the offending source
 * (`Block scalar header includes extra characters: >…`, `Not a YAML token: …`,
 * `Invalid escape sequence …`, `Unresolved tag: …`), and the source may be a secret.
 */
const BY_CODE: Record<string, string> = {
  ALIAS_PROPS: 'an alias must not have an anchor or a tag',
  BAD_ALIAS: 'an alias or anchor is empty or ends in ":"',
  BAD_COLLECTION_TYPE: 'a tag is used on the wrong kind of collection',
  BAD_DIRECTIVE: 'invalid directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchors and tags must come after the "?", ":" or "-" indicator',
  BAD_SCALAR_START: 'a plain value cannot start with a tab, ",", "%", "|", ">", "@" or "`" (quote the value)',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be an implicit map key',
  BLOCK_IN_FLOW: 'a block collection cannot be inside a flow collection',
  DUPLICATE_KEY: 'map keys must be unique',
  IMPOSSIBLE: 'the YAML parser reached an unexpected state',
  KEY_OVER_1024_CHARS: 'an implicit map key is longer than 1024 characters',
  MISSING_CHAR: 'a required character is missing (a quote, ",", ":", a space, or "-")',
  MULTILINE_IMPLICIT_KEY: 'implicit map keys must be on a single line',
  MULTIPLE_ANCHORS: 'a node can have at most one anchor',
  MULTIPLE_DOCS: 'the file must hold a single YAML document',
  MULTIPLE_TAGS: 'a node can have at most one tag',
  NON_STRING_KEY: 'map keys must be strings',
  RESOURCE_EXHAUSTION: 'nested too deeply or too many alias expansions',
  TAB_AS_INDENT: 'tabs are not allowed as indentation',
  TAG_RESOLVE_FAILED: 'a tag cannot be resolved',
  UNEXPECTED_TOKEN: 'unexpected token (a value starting with "|" or ">" may need quotes)',
};

/**
 * Library messages that hold no source text, compared whole: when the library's first line is
 * exactly one of these, our own copy of it is shown (more precise than the code's text).
 */
const EXACT = new Set([
  "Missing closing 'quote",
  'Missing closing "quote',
  'Implicit map keys need to be followed by map values',
  'Sequence item without - indicator',
  'Comments must be separated from other tokens by white space characters',
  'Tags and anchors must be separated from the next token by white space',
  'Missing directives-end indicator line',
  'Nested mappings are not allowed in compact mappings',
  'A block sequence may not be used as an implicit map key',
  'All sequence items must start at the same column',
  'Implicit keys need to be on a single line',
  'Tabs are not allowed as indentation',
  'Map keys must be unique',
]);

/** The message shown for a YAML error: fixed text chosen by code, never the library's text. */
export function yamlErrorMessage(err: { code?: unknown; message?: unknown }): string {
  const first = typeof err.message === 'string' ? err.message.split('\n', 1)[0]! : '';
  const trimmed = first.replace(/ at line \d+, column \d+:?$/, '');
  for (const known of EXACT) if (trimmed === known) return `invalid YAML: ${known}`;
  const code = typeof err.code === 'string' ? err.code : '';
  const text = Object.prototype.hasOwnProperty.call(BY_CODE, code) ? BY_CODE[code] : undefined;
  if (text) return `invalid YAML: ${text}`;
  return `invalid YAML (${/^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? code : 'UNKNOWN'})`;
}

/** The first YAML syntax error of a document as a line and a message free of the file's content. */
export function firstYamlError(doc: Document, lc: LineCounter): { line: number; message: string } | null {
  const err = doc.errors[0];
  if (!err) return null;
  const line = err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line;
  return { line, message: yamlErrorMessage(err) };
}
