/**
 * `cfgmig/client`: the runtime library services use to honour migration flags.
 * The package path is reserved now so services can depend on it; the client itself arrives
 * with the flags issue (MigrationCompatibleConfig).
 */
export const CLIENT_AVAILABLE = false as const;
