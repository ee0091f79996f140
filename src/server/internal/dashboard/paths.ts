/**
 * Where the dashboard lives on the server's port. The pages are at the root;
 * everything else is under `/_dashboard`, out of the way of the REST API
 * (`/v1/…`) and the callback URLs (`/ack/…`, `/nack/…`).
 *
 * @internal
 */

/** @internal */
export const LIST_PATH = "/"
/** @internal */
export const HOOK_PATH = "/hooks/:id"
/** @internal */
export const PREFIX = "/_dashboard"
/** @internal */
export const SCRIPT_PATH = `${PREFIX}/app.js`
/** @internal */
export const STYLE_PATH = `${PREFIX}/app.css`
/** @internal */
export const API_PREFIX = `${PREFIX}/api`

/** The page of one hook. @internal */
export const hookPage = (id: string): string => `/hooks/${encodeURIComponent(id)}`
