// The page side of the widget: the DOM operations the WASM asks for, and nothing that decides.
// Which categories are granted, what to store, which cookie to delete or let through: all of
// that is Rust's, and reaches this file as plain values. It lives in JS because each DOM call
// made from WASM costs marshalling code; tools/build-widget.sh inlines it into samtykke.js and
// drops the lines that start with `//`.
const d = document;
// The ids Rust last granted (`apply`), the control that opened the preferences or was last
// clicked, and Rust's one entry point.
let granted = [], opener = null, clicked = null, on = null;

const $ = (id) => d.getElementById(id);
const dialog = () => $("sk-preferences");
const toggleList = () => d.querySelectorAll("[data-sk-category]");
const sync = () => { for (const t of toggleList()) t.checked = granted.includes(t.dataset.skCategory) };

// Installs the cookie guard, the click and close listeners and `window.samtykke`. `f(kind, text)`
// is Rust: kind 0 runs a `data-sk` action, kind 1 judges a `document.cookie` write (true: let it
// through), kind 2 judges a storage key (true: remove it).
export function setup(f) {
  on = f;
  let p = d, c;
  while ((p = Object.getPrototypeOf(p)) && !(c = Object.getOwnPropertyDescriptor(p, "cookie")));
  if (c) Object.defineProperty(d, "cookie", {
    configurable: true,
    get: c.get,
    // Non-strings are dropped: their string form would dodge the check.
    set(v) { typeof v == "string" && f(1, v) && c.set.call(d, v) },
  });
  d.addEventListener("click", (e) => {
    const b = e.target.closest?.("[data-sk]");
    if (b) { e.preventDefault(); clicked = b; f(0, b.dataset.sk); clicked = null }
  });
  // `close` does not bubble; capture sees it. Escape lands here too, and only moves focus.
  d.addEventListener("close", (e) => {
    if (e.target == dialog()) { opener?.focus(); opener = null }
  }, true);
  self.samtykke = { open: () => f(0, "preferences"), granted: (c) => granted.includes(c) };
}

// Hands the actions the gate queued before the WASM ran to Rust, after removing the gate's
// listener so no click counts twice.
export function replay() {
  const q = self.__sk;
  if (q) { d.removeEventListener("click", q.h, true); q.splice(0).forEach((a) => on(0, a)) }
}

export const config = () => $("samtykke-config")?.textContent;
export const warn = (message) => console.warn(message);
// 16 random bytes as 32 hex digits, for the record's id.
export const randomHex = () =>
  [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
export const gpc = () => navigator.globalPrivacyControl === true;
// A URL's protocol, host and path hold no newline, and neither does the cookie header.
export const place = () => [location.protocol, location.hostname, location.pathname, d.cookie].join("\n");
export const ask = (show) => d.documentElement.classList.toggle("sk-ask", show);

// Brings the page in line with the grant Rust decided: the banner, the toggles and GPC note and
// what `samtykke.granted` answers (`ids`: category ids separated by spaces), the record's id in
// the preferences («Samtykke-ID», when the theme shows it), the cookie deletions (one per line,
// each through the guard like any other write), the storage keys Rust refuses, and the
// placeholders of granted categories.
export function apply(show, ids, id, gpcHonoured, deletions, startable) {
  ask(show);
  granted = ids ? ids.split(" ") : [];
  sync();
  const g = $("sk-gpc"), i = $("sk-id");
  if (g) g.hidden = !gpcHonoured;
  if (i) { i.textContent = id; i.parentNode.hidden = !id }
  deletions.split("\n").forEach((c) => c && (d.cookie = c));
  // Backwards, so removing a key does not shift the ones still to visit. Blocked storage throws.
  for (const n of ["localStorage", "sessionStorage"]) try {
    const s = self[n];
    for (let i = s.length; i--;) { const k = s.key(i); k != null && on(2, k) && s.removeItem(k) }
  } catch {}
  activate(new Set(startable.split("\n")));
}

// The ids of the ticked toggles, separated by spaces.
export function toggles() {
  return [...toggleList()].filter((t) => t.checked).map((t) => t.dataset.skCategory).join(" ");
}

export function open() {
  const p = dialog();
  if (p && !p.open) {
    // The saved choice, not what was ticked before an Escape (C-11).
    sync();
    opener = clicked || d.activeElement;
    p.showModal();
  }
}

// Closes the preferences; false if they were not open.
export function close() {
  const p = dialog();
  return p?.open ? (p.close(), true) : false;
}

// After a choice: closes the preferences, says so in the status if it was stored, and announces
// the grant.
export function chosen(stored) {
  close();
  const s = $("sk-status");
  if (stored && s) s.textContent = s.dataset.skSaved || "";
  d.dispatchEvent(new CustomEvent("samtykke:change", { detail: { granted: [...granted] } }));
}

// Starts each placeholder of a granted category, once: a script placeholder is replaced by a real
// script (same text, so the same CSP hash). Only what Rust listed as startable (`category src`,
// one per line: a declared source of a granted optional category, or an inline script of one) is
// started; anything else stays inert. An embed box (`data-sk-frame`) gets its iframe while
// `category frame <origin of the address>` is listed, and loses it as soon as it is not.
function activate(startable) {
  for (const e of d.querySelectorAll("[data-category][data-sk-frame]")) {
    const src = e.dataset.skFrame;
    let f = e.querySelector("iframe"), on = false;
    try { on = startable.has(e.dataset.category + " frame " + new URL(src).origin) } catch {}
    if (on && !f) {
      f = d.createElement("iframe");
      f.src = src; f.title = e.dataset.skTitle || ""; f.loading = "lazy";
      f.allow = "fullscreen; picture-in-picture; encrypted-media";
      f.referrerPolicy = "strict-origin-when-cross-origin";
      e.append(f);
    } else if (!on && f) f.remove();
  }
  for (const e of d.querySelectorAll('script[type="text/plain"][data-category]')) {
    const src = e.dataset.src;
    if (!startable.has(e.dataset.category + " " + (src ?? "")) || !e.isConnected) continue;
    const s = d.createElement("script");
    for (const a of e.attributes) if (!/^(type|data-category|data-src|data-sk-.*)$/.test(a.name)) s.setAttribute(a.name, a.value);
    if (e.dataset.skType) s.type = e.dataset.skType;
    // Inserted scripts run async by default; keep the page's order unless declared async.
    if (src) { s.src = src; s.async = "skAsync" in e.dataset } else s.text = e.text;
    e.replaceWith(s);
  }
}

// Google Consent Mode v2 through the page's gtag (crate::GTAG_JS), if there is one.
export function consent(command, analytics, ads) {
  const s = (v) => (v ? "granted" : "denied");
  typeof self.gtag == "function" && self.gtag("consent", command, {
    analytics_storage: s(analytics), ad_storage: s(ads), ad_user_data: s(ads), ad_personalization: s(ads),
  });
}

export const lang = () => d.documentElement.lang;

// Receipts go out one after another, so the service sees a visitor's decisions in order. fetch
// with keepalive rather than sendBeacon: it outlives the page the same way, and it tells whether
// the service took the receipt, which Rust needs to keep a failed one for the next page view.
// The body is a string, so the request is a simple one (text/plain, no preflight); no cookie
// and no referrer go with it: the receipt is all the service gets.
let sending = Promise.resolve();
export function send(url, body, retry) {
  sending = sending.then(() => fetch(url, { method: "POST", body, keepalive: true, credentials: "omit", referrerPolicy: "no-referrer" })
    .then((r) => r.status, () => 0)
    .then((s) => retry || on(3, s + " " + body)));
}
