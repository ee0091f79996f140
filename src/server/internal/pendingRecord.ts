/**
 * The record of a hook just scheduled: pending, never attempted, its first
 * attempt due at `postAt`. One definition for the engine (which creates
 * them) and the memory store (which keeps them compact and rebuilds them).
 *
 * @internal
 */
import type { HookRecord } from "../HookRecord.js"

/** @internal */
export interface PendingFields {
  readonly id: string
  readonly path: string
  readonly data: string
  readonly postAt: number
  readonly createdAt: number
  readonly retryOverride: HookRecord["retryOverride"]
}

/** @internal */
export const pendingRecord = (fields: PendingFields): HookRecord => ({
  id: fields.id,
  path: fields.path,
  data: fields.data,
  postAt: fields.postAt,
  status: "pending",
  attempts: 0,
  cycleStart: 0,
  nextAttemptAt: fields.postAt,
  inFlight: null,
  failureError: null,
  retryOverride: fields.retryOverride,
  postDurationSeconds: 0,
  createdAt: fields.createdAt,
  updatedAt: fields.createdAt
})
