/**
 * posthook-effect/node: the parts of the SDK that only make sense on Node.
 * Kept out of the main entry so that an application which only schedules
 * hooks and verifies deliveries never loads them.
 *
 * @since 0.2.0
 */

/**
 * A Node `(req, res)` delivery handler for `node:http` and Express.
 *
 * @since 0.1.0
 */
export * as NodeHandler from "./NodeHandler.js"
