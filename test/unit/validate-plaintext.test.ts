/** The plaintext-credential scanner of `cfgmig validate` (core/validate/plaintext.ts). */
import { describe, expect, it } from 'vitest';
import { hasPlaintextCredential, scanPlaintext } from '../../src/core/validate/plaintext.js';

const AWS = 'AKIAZ7Q3M4XKD2W8P5RT';
const PASSWORD = 'h7Q!vR2x#Lp9';
const URL_PASSWORD = 'h7QvR2xLp9s3cr3t';

describe('scanPlaintext', () => {
  it.each([
    [`DB_PASSWORD=${PASSWORD}`, 'DB_PASSWORD'],
    [`export API_TOKEN="tok_${'a1B2c3D4'.repeat(3)}"`, 'API_TOKEN'],
    [`  password: ${PASSWORD}`, 'password'],
    [`  "apiSecret": "${PASSWORD}",`, 'apiSecret'],
    [`      - SMTP_PASSWORD=${PASSWORD}`, 'SMTP_PASSWORD'],
    [`string jiraToken = "nasyb9juz07m45xhi6w35ab2";`, 'jiraToken'],
    [`var flyToken string = "fo1_ZzBxpUdM251PGnF2bgWjxswWI2tiLOzEgz5jncYXZAb"`, 'flyToken'],
    [`<apiKey>${PASSWORD}</apiKey>`, 'apiKey'],
  ])('finds the assignment %s', (text, name) => {
    const [f] = scanPlaintext(text);
    expect(f).toMatchObject({ line: 1, name });
  });

  it('finds known formats anywhere on a line, with the line number', () => {
    const text = `# settings\nregion: eu-west-1\nsomething ${AWS} here\nurl: postgres://app:${URL_PASSWORD}@db:5432/x\n`;
    const found = scanPlaintext(text);
    expect(found.map((f) => [f.line, f.reason])).toEqual([
      [3, 'value: AWS access key'],
      [4, 'value: URL with password'],
    ]);
  });

  it.each([
    'DB_PASSWORD=${DB_PASSWORD}',
    'DB_PASSWORD=$DB_PASSWORD',
    '      POSTGRES_CONNECTION_STRING: postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/trading',
    '      DATABASE_URL: postgres://risk_ro:${RISK_DB_PASSWORD:?must be set}@postgres:5432/trading',
    'API_KEY=${vault:secret/data/api#key}',
    'PASSWORD_MIN_LENGTH=12',
    'TOKEN_TTL_SECONDS=3600',
    'API_KEY_HEADER=X-Api-Key',
    'JWT_SECRET_FILE=/run/secrets/jwt',
    'AUTH_URL=https://auth.example.com/token',
    'password: "{{ .Values.password }}"',
    'DB_PASSWORD=',
    'checksum: 3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed',
  ])('does not flag %s', (text) => {
    expect(hasPlaintextCredential(text)).toBe(false);
  });

  it('never puts the value in a reason or a name', () => {
    for (const f of scanPlaintext(`DB_PASSWORD=${PASSWORD}\nkey ${AWS}\n`)) {
      expect(f.reason).not.toContain(PASSWORD);
      expect(f.reason).not.toContain(AWS);
      expect(f.name ?? '').not.toContain(PASSWORD);
    }
  });

  it('offers the password of a URL as a fingerprint candidate', () => {
    const [f] = scanPlaintext(`DATABASE_URL=postgres://app:${URL_PASSWORD}@db/x`);
    expect(f!.secrets).toContain(URL_PASSWORD);
  });
});
