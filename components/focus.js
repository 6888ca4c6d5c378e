// Focuses the element Python names (see focus.py), looking through Panel's shadow roots and
// waiting up to a few seconds for it to be drawn.
const WAIT_MS = 4000
const EVERY_MS = 80

function deepFind(root, selector) {
  const hit = root.querySelector(selector)
  if (hit) return hit
  for (const el of root.querySelectorAll("*")) {
    if (el.shadowRoot) {
      const found = deepFind(el.shadowRoot, selector)
      if (found) return found
    }
  }
  return null
}

function visible(el) {
  return el.getClientRects().length > 0 && !el.disabled
}

export function render({ model, el }) {
  el.setAttribute("aria-hidden", "true")
  let timer = null

  function focus() {
    const selector = model.target
    if (timer) clearTimeout(timer)
    if (!selector) return
    const until = Date.now() + WAIT_MS
    const attempt = () => {
      const found = deepFind(document, selector)
      if (found && visible(found)) {
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
