/**
 * The package version, sent in the User-Agent. Kept in step with package.json
 * (a test checks it).
 *
 * @internal
 */
export const VERSION = "0.2.0"
