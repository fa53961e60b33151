/**
 * SARIF 2.1.0 for `cfgmig validate --format sarif` (GitHub code scanning and others): every
 * problem that has a file is a result with its physical location (artifactLocation.uri relative
 * to the project root, region.startLine); ruleId names the kind (plaintext-credential,
 * value-mismatch, unmapped-entry …). Messages name keys, files and reasons, never a value.
 */
import type { ValidateProblem, ValidateReport } from '../core/validate/model.js';

const RULES: Record<string, string> = {
  'plaintext-credential': 'A plaintext credential in a committed file that no plan migrates to the store',
  'plaintext-credential-migrated': 'A plaintext credential still in a file after its migration to the store',
  'plaintext-credential-dead':
    'A plaintext credential the service never reads (another source wins): remove and rotate it',
  'value-mismatch': 'The legacy value and the store value of a key differ',
  'value-mismatch-pending': 'The legacy value and the store value differ because the sources changed',
  'value-error': 'A key whose legacy or store value could not be read',
  'unmapped-entry': 'An inventory entry no rule maps or ignores',
  'schema-violation': "The planned configuration breaks the service's JSON Schema",
  'plan-pending': 'A plan behind its sources',
  'plan-missing': 'A service without a plan',
};

const level = (p: ValidateProblem): 'error' | 'warning' | 'note' =>
  p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'note';

export function sarifLog(r: ValidateReport, version: string): string {
  const withFile = r.problems.filter((p) => p.file);
  const ids = [...new Set(withFile.map((p) => p.rule))].sort();
  const results = withFile.map((p) => ({
    ruleId: p.rule,
    ruleIndex: ids.indexOf(p.rule),
    level: level(p),
    message: { text: `${p.service ? `${p.service}: ` : ''}${p.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: p.file!.replaceAll('\\', '/'), uriBaseId: 'PROJECTROOT' },
          region: { startLine: p.line ?? 1 },
        },
      },
    ],
    partialFingerprints: { cfgmigProblem: `${p.rule}:${p.file}:${p.key ?? p.line ?? ''}` },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'cfgmig',
            version,
            informationUri: 'https://github.com/cfgmig/cfgmig',
            rules: ids.map((id) => ({
              id,
              name: id,
              shortDescription: { text: RULES[id] ?? id },
              defaultConfiguration: {
                level:
                  id.startsWith('plaintext-credential-') || id.endsWith('-pending') || id === 'plan-missing'
                    ? 'note'
                    : 'error',
              },
            })),
          },
        },
        originalUriBaseIds: { PROJECTROOT: { uri: `file://${r.project.replaceAll('\\', '/')}/` } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
