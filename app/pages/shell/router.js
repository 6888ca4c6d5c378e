// DataPilot's pages in one session: a click on a link to another page (the sidebar, the user
// menu, an empty state's "Go to Sources") tells the server which page to show instead of
// loading a new document, and the address follows. Back and Forward do the same. A link with
// a query (a dashboard, a handed-over query), a new tab or a modified click loads as before.
export function render({ model, el }) {
  el.style.display = "none"

  function slugOf(path) {
    return path.replace(/^\/+/, "").split("/")[0]
  }

  function target(event) {
    const link = event.composedPath().find((node) => node instanceof HTMLAnchorElement)
    if (!link || !link.href || link.target || link.hasAttribute("download")) return null
    const url = new URL(link.href, window.location.href)
    if (url.origin !== window.location.origin || url.search || url.hash) return null
    const slug = slugOf(url.pathname)
    return model.slugs.includes(slug) && url.pathname === `/${slug}` ? slug : null
  }

  function routed(event) {
    if (event.defaultPrevented || event.button !== 0) return null
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null
    const slug = target(event)
    // The page shown, asked for again, loads afresh (as a dashboard's "All dashboards" link).
    return slug === model.slug ? null : slug
  }

  // A pointer resting on (or the focus reaching) a link to a page not drawn yet starts drawing
  // it, hidden, in the time between the hover and the click.
  function onIntent(event) {
    const slug = target(event)
    if (slug !== null) putOffWarm()
    if (slug !== null && slug !== model.slug && !model.drawn.includes(slug)) model.prefetch = slug
  }

  // With `warm`, once the page shown is drawn and the browser has nothing else to do, the pages
  // not drawn yet are asked for one at a time (each after the previous one arrived and the
  // browser is idle again), so a first visit to any page is as quick as a return. The user
  // comes first: a hover or a click puts the next request off.
  const whenIdle = window.requestIdleCallback || ((fn) => window.setTimeout(fn, 50))
  let warmTimer = null
  function warmNext() {
    warmTimer = null
    if (document.visibilityState === "hidden") return
    const next = model.warm.find((slug) => !model.drawn.includes(slug))
    if (next !== undefined && next !== model.prefetch) model.prefetch = next
  }
  function scheduleWarm(delay = 300) {
    if (model.warm.length === 0) return
    if (warmTimer !== null) window.clearTimeout(warmTimer)
    warmTimer = window.setTimeout(() => whenIdle(warmNext, { timeout: 4000 }), delay)
  }
  function putOffWarm() {
    if (warmTimer !== null) scheduleWarm(1500)
  }

  function show(slug) {
    document.documentElement.dataset.dpPage = slug
    if (model.slug !== slug) model.slug = slug
    document.dispatchEvent(new CustomEvent("dp:page", { detail: { slug } }))
  }

  function onClick(event) {
    putOffWarm()
    const slug = routed(event)
    if (slug === null) return
    event.preventDefault()
    // A menu (a native popover) closes as a real navigation would close it.
    const popover = event.composedPath().find((node) => node.matches && node.matches(":popover-open"))
    if (popover) popover.hidePopover()
    if (slugOf(window.location.pathname) !== slug || window.location.search) {
      window.history.pushState({ dpSlug: slug }, "", `/${slug}`)
    }
    show(slug)
  }

  function onPopState() {
    const slug = slugOf(window.location.pathname)
    if (!model.slugs.includes(slug)) return
    if (slug === model.slug && window.location.search) {
      window.location.reload() // another view of the same page (a dashboard's address)
      return
    }
    show(slug)
  }

  model.on("msg:custom", (msg) => {
    if (msg.type !== "address") return
    const url = new URL(msg.url, window.location.href)
    if (url.origin !== window.location.origin) return
    if (url.pathname + url.search === window.location.pathname + window.location.search) return
    const method = msg.replace ? "replaceState" : "pushState"
    window.history[method]({ dpSlug: slugOf(url.pathname) }, "", url.pathname + url.search)
  })
  model.on("slug", () => {
    document.documentElement.dataset.dpPage = model.slug
    if (slugOf(window.location.pathname) !== model.slug) {
      window.history.pushState({ dpSlug: model.slug }, "", `/${model.slug}`)
    }
  })

  const warmSoon = () => scheduleWarm()
  model.on("drawn", warmSoon)
  document.addEventListener("visibilitychange", warmSoon)
  if (document.readyState === "complete") warmSoon()
  else window.addEventListener("load", warmSoon, { once: true })

  document.documentElement.dataset.dpPage = model.slug
  document.addEventListener("click", onClick)
  document.addEventListener("mouseover", onIntent)
  document.addEventListener("focusin", onIntent)
  window.addEventListener("popstate", onPopState)
  model.on("remove", () => {
    document.removeEventListener("click", onClick)
    document.removeEventListener("mouseover", onIntent)
    document.removeEventListener("focusin", onIntent)
    window.removeEventListener("popstate", onPopState)
    document.removeEventListener("visibilitychange", warmSoon)
    if (warmTimer !== null) window.clearTimeout(warmTimer)
  })
}
