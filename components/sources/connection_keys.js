// Escape pressed inside the connection form (see connection_keys.py): the server cancels it.
// Panel draws every widget in its own shadow root, so the form is found on the event's
// composed path by the CSS class Python gives it.
export function render({ model, el }) {
  el.setAttribute("aria-hidden", "true")

  function onKey(event) {
    if (event.key !== "Escape" || event.defaultPrevented || !model.scope) return
    const inside = event
      .composedPath()
      .some((node) => node.classList && node.classList.contains(model.scope))
    if (!inside) return
    event.preventDefault()
    model.send_msg({ type: "escape" })
  }

  document.addEventListener("keydown", onKey)
  model.on("remove", () => document.removeEventListener("keydown", onKey))
}
