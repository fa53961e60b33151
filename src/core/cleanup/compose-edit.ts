/**
 * The legacy cleanup of one compose service, on a parsed yaml Document (comments, order and
 * styles stay with their nodes): migrated variables leave `environment` (map or list form), an
 * env_file whose variables all moved is dropped, and the service gains SERVICE_ID, the store
 * location variables and `depends_on` the configuration store service. Idempotent: a second
 * run over its own output changes nothing.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Scalar,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

export interface ComposeEditRequest {
  /** The compose service name. */
  service: string;
  /** Variable names to remove from `environment`. */
  remove: ReadonlySet<string>;
  /** Whether an env_file reference (its path as written) should be dropped. */
  dropEnvFile: (path: string) => boolean;
  /** Variables to add when the service does not define them yet, in order. */
  add: readonly (readonly [string, string])[];
  /** The compose service to depend on, or null to leave depends_on alone. */
  dependsOn: string | null;
}

export interface ComposeEditResult {
  /** False when the service is not in this document. */
  found: boolean;
  removed: string[];
  droppedEnvFiles: string[];
  added: string[];
  dependsOnAdded: boolean;
  /** Names to remove that still reach the service through a `<<` merge (a shared anchor). */
  merged: string[];
}

/** `NAME=value` or `NAME` (a list item of `environment`): the name. */
export function listItemName(item: string): string {
  const eq = item.indexOf('=');
  return (eq === -1 ? item : item.slice(0, eq)).trim();
}

const keyOf = (p: Pair): string | null => (isScalar(p.key) ? String(p.key.value) : null);

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function servicePair(doc: Document, name: string): YAMLMap | null {
  const services = deref(doc, isMap(doc.contents) ? doc.contents.get('services', true) : null);
  if (!isMap(services)) return null;
  const svc = deref(doc, services.get(name, true));
  return isMap(svc) ? svc : null;
}

/** Keys a `<<` merge brings into a map (one level: the value or each item of a list of aliases). */
function mergedKeys(doc: Document, map: YAMLMap): Set<string> {
  const names = new Set<string>();
  for (const p of map.items) {
    if (keyOf(p) !== '<<') continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const m = deref(doc, s);
      if (isMap(m)) for (const q of m.items) if (keyOf(q) !== null) names.add(keyOf(q)!);
    }
  }
  return names;
}

/** Inserts `pair` right after the first of `after` the service has, else at the end. */
function insertAfter(svc: YAMLMap, pair: Pair, after: readonly string[]): void {
  for (const key of after) {
    const i = svc.items.findIndex((p) => keyOf(p) === key);
    if (i !== -1) {
      svc.items.splice(i + 1, 0, pair);
      return;
    }
  }
  svc.items.push(pair);
}

function envFilePath(doc: Document, item: unknown): string | null {
  const node = deref(doc, item);
  if (isScalar(node)) return String(node.value);
  if (isMap(node)) {
    const path = node.get('path', true);
    return isScalar(path) ? String(path.value) : null;
  }
  return null;
}

export function editComposeService(doc: Document, req: ComposeEditRequest): ComposeEditResult {
  const result: ComposeEditResult = {
    found: false,
    removed: [],
    droppedEnvFiles: [],
    added: [],
    dependsOnAdded: false,
    merged: [],
  };
  const svc = servicePair(doc, req.service);
  if (!svc) return result;
  result.found = true;

  // env_file: a string, or a list of strings and {path, required}.
  const envFile = svc.get('env_file', true) as Node | undefined;
  if (isScalar(envFile) && req.dropEnvFile(String(envFile.value))) {
    result.droppedEnvFiles.push(String(envFile.value));
    svc.delete('env_file');
  } else if (isSeq(envFile)) {
    const seq = envFile as YAMLSeq;
    seq.items = seq.items.filter((item) => {
      const path = envFilePath(doc, item);
      if (path === null || !req.dropEnvFile(path)) return true;
      result.droppedEnvFiles.push(path);
      return false;
    });
    if (seq.items.length === 0) svc.delete('env_file');
  }

  // environment: a map (with `<<` merges) or a list of NAME=value / NAME.
  let env = deref(doc, svc.get('environment', true)) as Node | null | undefined;
  const defined = new Set<string>();
  if (isMap(env)) {
    const map = env as YAMLMap;
    map.items = map.items.filter((p) => {
      const name = keyOf(p);
      if (name === null || name === '<<' || !req.remove.has(name)) return true;
      result.removed.push(name);
      return false;
    });
    for (const p of map.items) if (keyOf(p) !== null && keyOf(p) !== '<<') defined.add(keyOf(p)!);
    const merged = mergedKeys(doc, map);
    for (const name of req.remove) if (merged.has(name)) result.merged.push(name);
    for (const name of merged) defined.add(name);
  } else if (isSeq(env)) {
    const seq = env as YAMLSeq;
    seq.items = seq.items.filter((item) => {
      if (!isScalar(item)) return true;
      const name = listItemName(String(item.value));
      if (!req.remove.has(name)) return true;
      result.removed.push(name);
      return false;
    });
    for (const item of seq.items) if (isScalar(item)) defined.add(listItemName(String(item.value)));
  } else {
    env = doc.createNode({}) as YAMLMap;
    // `environment:` with no value is an empty map to compose: fill it in place.
    if (svc.has('environment')) svc.set('environment', env);
    else insertAfter(svc, doc.createPair('environment', env), ['env_file', 'ports', 'image', 'build']);
  }
  for (const [name, value] of req.add) {
    if (defined.has(name)) continue;
    if (isSeq(env)) (env as YAMLSeq).items.push(new Scalar(`${name}=${value}`));
    else (env as YAMLMap).items.push(doc.createPair(name, value));
    result.added.push(name);
  }

  // depends_on: a list, or the long form (a map of service → condition).
  if (req.dependsOn) {
    const deps = deref(doc, svc.get('depends_on', true));
    if (isSeq(deps)) {
      if (!deps.items.some((i) => isScalar(i) && String(i.value) === req.dependsOn)) {
        deps.items.push(new Scalar(req.dependsOn));
        result.dependsOnAdded = true;
      }
    } else if (isMap(deps)) {
      if (!deps.has(req.dependsOn)) {
        deps.items.push(doc.createPair(req.dependsOn, { condition: 'service_started' }));
        result.dependsOnAdded = true;
      }
    } else if (svc.has('depends_on')) {
      svc.set('depends_on', doc.createNode([req.dependsOn]));
      result.dependsOnAdded = true;
    } else {
      insertAfter(svc, doc.createPair('depends_on', [req.dependsOn]), ['environment']);
      result.dependsOnAdded = true;
    }
  }
  return result;
}

/** Whether the edit changed anything. */
export function editChanged(r: ComposeEditResult): boolean {
  return r.removed.length + r.droppedEnvFiles.length + r.added.length > 0 || r.dependsOnAdded;
}
