/**
 * Splitting a connection URL (postgres://user:pass@host:5432/db?x=y, mongodb+srv://…,
 * redis://:pass@host:6379/0, amqp://…, several hosts as in mongodb://h1:1,h2:2/db) into the
 * parts a configuration store keeps apart: the password becomes a credential, the rest settings.
 *
 * Hand-written rather than WHATWG URL because that parser refuses several hosts and
 * normalises what it reads. Failures are reasons without the text: the input is usually a
 * credential, so nothing of it may appear in a message.
 */

export interface UrlParts {
  scheme: string;
  /** One host, or `h1:p1,h2:p2` when the URL names several (then no port). */
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Percent-decoded: the value the server checks. */
  password?: string;
  /** Query parameters, except those whose names look secret (see `droppedOptions`). */
  options?: Record<string, string>;
  /** Names of query parameters left out because they look like secrets (`password=`, `sslkey=`…). */
  droppedOptions: string[];
}

export type SplitResult = { ok: true; parts: UrlParts } | { ok: false; reason: string };

const SECRET_OPTION = /pass|secret|token|key|credential|auth/i;

export function splitConnectionUrl(text: string): SplitResult {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/s.exec(text.trim());
  if (!m) return { ok: false, reason: 'not a connection URL (scheme://…)' };
  const [, scheme, authority, path, query] = m as unknown as [string, string, string, string, string?];
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : null;
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  const parts: UrlParts = { scheme: scheme.toLowerCase(), droppedOptions: [] };

  if (userinfo !== null) {
    const colon = userinfo.indexOf(':');
    const user = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    const password = colon >= 0 ? decode(userinfo.slice(colon + 1)) : '';
    if (user === null || password === null) {
      return { ok: false, reason: 'the user or password has an invalid percent-encoding' };
    }
    if (user !== '') parts.user = user;
    if (password !== '') parts.password = password;
  }

  const hosts = hostport === '' ? [] : hostport.split(',');
  if (hosts.some((h) => !/^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+)(:\d{1,5})?$/.test(h))) {
    return { ok: false, reason: 'its host is not a host name or address (with an optional port)' };
  }
  if (hosts.length === 1) {
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hosts[0]!)!;
    parts.host = hm[1]!;
    if (hm[2] !== undefined) {
      const port = Number(hm[2]);
      if (port < 1 || port > 65535) return { ok: false, reason: 'its port is not between 1 and 65535' };
      parts.port = port;
    }
  } else if (hosts.length > 1) {
    parts.host = hosts.join(',');
  }

  const db = path.replace(/^\//, '');
  if (db !== '') {
    const decoded = decode(db);
    if (decoded === null) return { ok: false, reason: 'its path has an invalid percent-encoding' };
    parts.database = decoded;
  }

  if (query !== undefined && query !== '') {
    const options: Record<string, string> = {};
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decode((eq >= 0 ? pair.slice(0, eq) : pair).replaceAll('+', ' '));
      const value = decode((eq >= 0 ? pair.slice(eq + 1) : '').replaceAll('+', ' '));
      if (name === null || value === null) {
        return { ok: false, reason: 'its query has an invalid percent-encoding' };
      }
      if (SECRET_OPTION.test(name)) {
        parts.droppedOptions.push(name);
        continue;
      }
      // A plain object built key by key: `__proto__` as a parameter name must stay data.
      Object.defineProperty(options, name, { value, enumerable: true, writable: true, configurable: true });
    }
    if (Object.keys(options).length > 0) parts.options = options;
  }
  return { ok: true, parts };
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
