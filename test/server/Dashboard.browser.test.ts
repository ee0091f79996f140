/**
 * The dashboard in headless Chromium (`playwright-core` driving the Debian
 * `chromium` package): hooks scheduled through the SDK appear live without a
 * reload, filters and id search work, a hook's page shows its attempts and
 * the signed request, and retry / cancel / deliver now change the state; a
 * wrong-state action and an unknown id show a message; server data is never
 * interpreted as HTML; nothing breaks the page's CSP. Takes the README's two
 * screenshots: into `docs/` with `UPDATE_SCREENSHOTS=1`, else into a temporary
 * directory (a test run must not change tracked files).
 *
 * Skipped (with a message) when `/usr/bin/chromium` is missing:
 * `apt-get install -y chromium`.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"
import type * as Hooks from "../../src/Hooks.js"
import * as Dashboard from "../../src/server/Dashboard.js"
import { eventFor, startDashboard } from "./utils/dashboard.js"

const CHROMIUM = "/usr/bin/chromium"
const hasChromium = Fs.existsSync(CHROMIUM)
if (!hasChromium) {
  console.warn(`Skipping the dashboard browser test: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`)
}

const DOCS = process.env.UPDATE_SCREENSHOTS === "1"
  ? fileURLToPath(new URL("../../docs/", import.meta.url))
  : `${Fs.mkdtempSync(Path.join(Os.tmpdir(), "posthook-dashboard-"))}/`
const UNKNOWN_ID = "0b7e1d1c-8f1a-4c2e-9d3b-6a5f4e3d2c1b"

const promise = <A>(evaluate: () => Promise<A>) => Effect.promise(evaluate)

const launch = Effect.acquireRelease(
  promise(() =>
    chromium.launch({
      executablePath: CHROMIUM,
      timeout: 60_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  ),
  (browser: Browser) => promise(() => browser.close())
)

const row = (id: string) => `tr[data-hook-id="${id}"]`

/** Opens a hook from the list by its link, as a user would. */
const openFromList = (page: Page, id: string) =>
  promise(async () => {
    await page.click(`${row(id)} a`)
    await page.waitForURL(`**/hooks/${id}`)
    await page.waitForSelector(".hook-head h1")
  })

const badgeText = (page: Page) => page.textContent(".hook-head .badge")

describe.skipIf(!hasChromium)("Dashboard in Chromium", () => {
  it.live(
    "hooks appear live; open one; retry, cancel and deliver now change its state",
    () =>
      Effect.gen(function*() {
        const { hooks, local, receiver } = yield* startDashboard()
        const browser = yield* launch
        const context = yield* promise(() =>
          browser.newContext({ viewport: { width: 1366, height: 860 }, deviceScaleFactor: 1, locale: "en-US" })
        )
        const page = yield* promise(() => context.newPage())
        page.setDefaultTimeout(30_000)
        const problems: Array<string> = []
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
        page.on("console", (message) => {
          if (message.type() === "error") problems.push(`console: ${message.text()}`)
        })

        // The empty list, live.
        yield* promise(async () => {
          await page.goto(Dashboard.url(local))
          await page.waitForSelector("#live.is-live")
          await page.waitForSelector("#rows td.empty >> text=No hooks yet")
          // Survives only as long as the page is not reloaded.
          await page.evaluate(() => Reflect.set(window, "__sameDocument", true))
        })
        const stillSameDocument = promise(() => page.evaluate(() => Reflect.get(window, "__sameDocument") === true))

        // Scheduled through the SDK, while the page is open.
        const past = () => new Date(Date.now() - 1000).toISOString()
        // Apart by a few milliseconds, so that "newest first" is one order.
        const schedule = (params: Hooks.ScheduleParams) => Effect.tap(hooks.schedule(params), () => Effect.sleep("5 millis"))
        const soon = yield* schedule({
          path: "/webhooks/user-created",
          postIn: "4m",
          data: { userId: "123", event: "user.created" }
        })
        const paid = yield* schedule({ path: "/webhooks/invoice-paid", postAt: past(), data: { invoiceId: "inv_42" } })
        const failing = yield* schedule({
          path: "/fail/payment-sync",
          postAt: past(),
          data: { paymentId: "pay_7", amount: 4200, currency: "EUR" }
        })
        const reminder = yield* schedule({ path: "/webhooks/trial-reminder", postIn: "3d", data: { userId: "123" } })
        const flaky = yield* schedule({
          path: "/fail/crm-export",
          postAt: past(),
          retryOverride: { minRetries: 3, delaySecs: 60, strategy: "fixed" }
        })
        const html = yield* schedule({
          path: "/webhooks/comment",
          postIn: "2h",
          data: { body: `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>` }
        })

        yield* promise(async () => {
          for (const hook of [soon, paid, failing, reminder, flaky, html]) await page.waitForSelector(row(hook.id))
          await page.waitForSelector(`${row(paid.id)}[data-status="completed"]`)
          await page.waitForSelector(`${row(failing.id)}[data-status="failed"]`)
          await page.waitForSelector(`${row(flaky.id)}[data-status="retry"]`)
        })
        expect(yield* stillSameDocument).toBe(true)
        const rowIds = yield* promise(() => page.$$eval("#rows tr", (rows) => rows.map((tr) => tr.getAttribute("data-hook-id"))))
        expect(rowIds).toEqual([html.id, flaky.id, reminder.id, failing.id, paid.id, soon.id])
        expect(yield* promise(() => page.textContent(`${row(paid.id)} [data-field="last"]`))).toContain("200")
        expect(yield* promise(() => page.textContent(`${row(failing.id)} [data-field="last"]`))).toContain("500")
        expect(yield* promise(() => page.textContent(`${row(soon.id)}`))).toMatch(/in [34] min/)

        // The header: target, listeners, async hooks, quota, masked keys.
        const config = (field: string) => promise(() => page.textContent(`[data-config="${field}"] dd`))
        expect(yield* config("target")).toBe(receiver.origin)
        expect(yield* config("websocket")).toBe("no listener")
        expect(yield* config("async")).toBe("on")
        expect(yield* config("quota")).toBe("6 used (unlimited)")
        expect(yield* config("api-key")).toBe("pk_local…Copy")
        expect(yield* promise(() => page.textContent("header"))).not.toContain(Redacted.value(local.apiKey))

        // Filters and search, reflected in the URL.
        yield* promise(async () => {
          await page.selectOption("#f-status", "failed")
          await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-hook-id]").length === 1)
          expect(await page.getAttribute("#rows tr", "data-hook-id")).toBe(failing.id)
          expect(page.url()).toContain("status=failed")
          await page.click("#f-clear")
          await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-hook-id]").length === 6)
          await page.keyboard.press("/")
          expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-q")
          await page.keyboard.type(reminder.id.slice(0, 8))
          await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-hook-id]").length === 1)
          expect(await page.getAttribute("#rows tr", "data-hook-id")).toBe(reminder.id)
          await page.click("#f-clear")
          await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-hook-id]").length === 6)
          await page.locator("#f-clear").blur()
          await page.screenshot({ path: `${DOCS}dashboard-list.png`, fullPage: true })
        })

        // A failed hook: its attempts, the signed request, a curl; retry once the endpoint is fixed.
        yield* openFromList(page, failing.id)
        yield* promise(async () => {
          await page.waitForSelector("details.attempt >> nth=1")
          expect(await page.$$eval("details.attempt", (all) => all.map((d) => d.getAttribute("data-attempt")))).toEqual(["2", "1"])
          expect(await page.$$eval("details.attempt", (all) => all.map((d) => d.hasAttribute("open")))).toEqual([true, false])
          const latest = await page.textContent("details.attempt[open]")
          expect(latest).toContain("Posthook-Signature")
          expect(latest).toContain(`POST ${receiver.origin}/fail/payment-sync`)
          expect(await page.textContent(`details.attempt[open] [data-field="curl"]`)).toContain("curl -i -sS -X POST")
          expect(await page.textContent(`[data-field="data"]`)).toBe(
            JSON.stringify({ paymentId: "pay_7", amount: 4200, currency: "EUR" }, null, 2)
          )
          expect(await badgeText(page)).toBe("failed")
        })
        yield* receiver.reply(() => ({ status: 200 }))
        yield* promise(async () => {
          await page.click(`button[data-action="retry"]`)
          await page.waitForSelector("#flash >> text=Retried")
          await page.waitForFunction(() => document.querySelector(".hook-head .badge")?.textContent === "completed")
          await page.waitForSelector("#attempts-title >> text=Attempts (3)")
          expect(await page.textContent(`details.attempt[open] [data-field="result"]`)).toBe("200")
          await page.locator(`button[data-action="retry"]`).blur()
          await page.screenshot({ path: `${DOCS}dashboard-hook.png`, fullPage: true })
        })

        // A pending hook: cancel (by keyboard), then a wrong-state action explains itself.
        yield* promise(async () => {
          await page.click("text=← All hooks")
          await page.waitForSelector(row(reminder.id))
        })
        yield* openFromList(page, reminder.id)
        yield* promise(async () => {
          expect(await badgeText(page)).toBe("pending")
          await page.focus(`button[data-action="cancel"]`)
          await page.keyboard.press("Enter")
          await page.waitForSelector("#flash >> text=Cancelled")
          await page.waitForFunction(() => document.querySelector(".hook-head .badge")?.textContent === "failed")
          expect(await page.textContent(".facts")).toContain("cancelled")
          // Focus survives the live re-render.
          expect(await page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe("cancel")
          expect(await page.getAttribute(`button[data-action="cancel"]`, "aria-disabled")).toBe("true")
          // Still focused and still a button: pressing it again asks the server, which explains.
          await page.keyboard.press("Enter")
          await page.waitForSelector("#flash [role=alert]")
          expect(await page.textContent("#flash")).toContain(
            "only a pending hook (or one waiting to retry) can be cancelled"
          )
        })
        expect(yield* eventFor(local, "HookCancelled", reminder.id)).toMatchObject({ hookId: reminder.id })

        // Deliver now: a hook due in 4 minutes is delivered at once.
        yield* promise(() => page.goto(Dashboard.hookUrl(local, soon.id)))
        yield* promise(async () => {
          await page.waitForSelector(".hook-head h1")
          await page.click(`button[data-action="deliver-now"]`)
          await page.waitForFunction(() => document.querySelector(".hook-head .badge")?.textContent === "completed")
        })
        yield* eventFor(local, "HookDelivered", soon.id)

        // Data that looks like HTML stays text.
        yield* promise(async () => {
          await page.goto(Dashboard.hookUrl(local, html.id))
          await page.waitForSelector(`[data-field="data"]`)
          expect(await page.textContent(`[data-field="data"]`)).toContain(`<img src=x onerror=\\"window.__xss=1\\">`)
          expect(await page.$("main img, main script")).toBeNull()
          expect(await page.evaluate(() => Reflect.get(window, "__xss"))).toBeUndefined()
        })

        // An unknown id: a message, not a stack trace.
        const unknown = yield* promise(() => page.goto(Dashboard.hookUrl(local, UNKNOWN_ID)))
        expect(unknown?.status()).toBe(404)
        yield* promise(async () => {
          await page.waitForSelector("h1 >> text=Hook not found")
          expect(await page.textContent("main")).toContain(`No hook with id ${UNKNOWN_ID}`)
        })

        // Chromium logs the expected 409 (wrong-state action) and 404 (unknown id) answers; anything
        // else on the console is a bug (or a CSP violation).
        const expected = /Failed to load resource: the server responded with a status of (404|409)/
        expect(problems.filter((problem) => !expected.test(problem))).toEqual([])
      }),
    180_000
  )

  it.live(
    "listening on 0.0.0.0: the printed URL logs the browser in; without the token the page is refused",
    () =>
      Effect.gen(function*() {
        const { hooks, local } = yield* startDashboard({ host: "0.0.0.0" })
        const hook = yield* hooks.schedule({ path: "/webhooks/later", postIn: "1h" })
        const browser = yield* launch
        const context = yield* promise(() => browser.newContext())
        const page = yield* promise(() => context.newPage())
        page.setDefaultTimeout(30_000)

        const refused = yield* promise(() => page.goto(`${local.baseUrl}/`))
        expect(refused?.status()).toBe(401)
        expect(yield* promise(() => page.textContent("main"))).toContain("needs the token")

        yield* promise(async () => {
          await page.goto(Dashboard.url(local))
          await page.waitForSelector("#live.is-live")
          await page.waitForSelector(row(hook.id))
        })
        // The token left the address bar; the cookie is out of the page's reach.
        expect(page.url()).toBe(`${local.baseUrl}/`)
        expect(yield* promise(() => page.evaluate(() => document.cookie))).toBe("")
        const cookies = yield* promise(() => context.cookies())
        expect(cookies.map((cookie) => [cookie.httpOnly, cookie.sameSite])).toEqual([[true, "Strict"]])

        // The actions work with the cookie alone.
        yield* openFromList(page, hook.id)
        yield* promise(async () => {
          await page.click(`button[data-action="cancel"]`)
          await page.waitForFunction(() => document.querySelector(".hook-head .badge")?.textContent === "failed")
        })
      }),
    180_000
  )
})
