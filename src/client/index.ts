/**
 * `cfgmig/client`: the runtime library services use to honour migration flags (README
 * "Adopting the client", docs/protocol.md).
 */
export { MigrationCompatibleConfig } from './client.js';
export type { ClientFlags, ClientHealth, ConfigChange, ConnectOptions } from './client.js';
export { MissingKeyError } from './errors.js';
export type { PublishedFlag as Flag } from '../core/publish/publication.js';
export type { FlagMode } from '../core/store/lifecycle.js';
