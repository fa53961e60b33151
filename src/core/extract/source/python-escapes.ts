/** Python string escapes, decoded so that a value is compared and reported as Python sees it. */

/** Decodes the escapes of a non-raw string body (approximately: `\N{…}` is kept as written). */
export function unescape(body: string, bytes: boolean): string {
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const d = body[++i]!;
    switch (d) {
      case '\n':
        break;
      case '\r':
        if (body[i + 1] === '\n') i++;
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        let j = i;
        while (j < i + 3 && j < body.length && body[j]! >= '0' && body[j]! <= '7') j++;
        out += String.fromCharCode(parseInt(body.slice(i, j), 8));
        i = j - 1;
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        const len = d === 'x' ? 2 : d === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if ((d === 'x' || !bytes) && hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
          const cp = parseInt(hex, 16);
          out += cp <= 0x10ffff ? String.fromCodePoint(cp) : `\\${d}${hex}`;
          i += len;
        } else out += `\\${d}`;
        break;
      }
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case "'":
      case '"':
        out += d;
        break;
      default:
        out += `\\${d}`;
    }
  }
  return out;
}
