/**
 * Text from outside (hook paths, error messages from the wire, listener
 * names, response bodies) made safe to print on a terminal.
 *
 * A terminal acts on control characters: ESC starts sequences that move the
 * cursor, clear the screen, change the window title or write to the
 * clipboard; CR and LF start a line that looks like one of ours; C1 controls
 * (U+0080–U+009F) are read as ESC sequences by some terminals; bidi controls
 * reorder what is shown. Each of these is printed as a visible escape
 * instead (`\n`, `\r`, `\t`, else `\uXXXX`), so one printed line is one line
 * of ours and shows what was received.
 *
 * The escapes are JSON's, and JSON text has none of these characters outside
 * its strings, so the escaped form of a `JSON.stringify` result is still
 * JSON with the same value.
 *
 * @internal
 */

/** C0 controls, DEL, C1 controls, the line/paragraph separators, and the bidi controls. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const escapeChar = (char: string): string =>
  NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`

/**
 * `text` with every character a terminal would act on shown as an escape.
 * Everything else, backslashes included, is left as it is.
 *
 * @example
 * ```ts
 * escape("/webhooks/\u001b[2Jx\r\nok") // "/webhooks/\\u001b[2Jx\\r\\nok"
 * ```
 *
 * @internal
 */
export const escape = (text: string): string => text.replace(UNSAFE, escapeChar)

/**
 * Text of several lines with each line escaped: the line breaks stay, a CR
 * or an escape sequence inside a line does not (for bodies and headers that
 * `posthook listen --verbose` prints as blocks).
 *
 * @internal
 */
export const escapeLines = (text: string): string => text.split("\n").map(escape).join("\n")
