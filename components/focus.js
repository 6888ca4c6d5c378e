// Focuses the element Python names (see focus.py), looking through Panel's shadow roots and
// waiting up to a few seconds for it to be drawn (and enabled).
const WAIT_MS = 4000
const EVERY_MS = 80

// The first element under `node` (its shadow root included) matching one simple selector.
function deepFind(node, selector) {
  const roots = node.shadowRoot ? [node.shadowRoot, node] : [node]
  for (const root of roots) {
    const hit = root.querySelector(selector)
    if (hit) return hit
  }
  for (const root of roots) {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const found = deepFind(el, selector)
        if (found) return found
      }
    }
  }
  return null
}

// ".dp-onb-accept button": each space steps into what the previous part found, shadow root
// included (a widget's class is on its host, its control in the host's shadow root).
function findPath(selector) {
  let scope = document
  for (const part of selector.trim().split(/\s+/)) {
    const found = deepFind(scope, part)
    if (!found) return null
    scope = found
  }
  return scope === document ? null : scope
}

function usable(el) {
  return el.getClientRects().length > 0 && !el.disabled
}

export function render({ model, el }) {
  el.setAttribute("aria-hidden", "true")
  let timer = null

  function focus() {
    const selector = model.target
    if (timer) clearTimeout(timer)
    timer = null
    if (!selector) return
    const until = Date.now() + WAIT_MS
    const attempt = () => {
      const found = findPath(selector)
      if (found && usable(found)) {
        found.focus()
        timer = null
      } else if (Date.now() < until) {
        timer = setTimeout(attempt, EVERY_MS)
      }
    }
    attempt()
  }

  model.on("serial", focus)
  focus()
}
