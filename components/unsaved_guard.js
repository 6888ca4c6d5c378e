// The guards with unsaved changes in this page (the app keeps several pages in one document).
const armed = new Set()

// The page says whether it is guarded (for styles, scripts and tests that must wait for it).
function mark() {
  document.documentElement.dataset.dpUnsaved = String(armed.size > 0)
}

export function render({ model }) {
  const guard = (event) => {
    if (!model.active) return
    event.preventDefault()
    event.returnValue = ""  // older browsers need a value to show the prompt
  }
  const sync = () => {
    if (model.active) armed.add(model)
    else armed.delete(model)
    mark()
  }
  sync()
  model.on("active", sync)
  window.addEventListener("beforeunload", guard)
  model.on("remove", () => {
    window.removeEventListener("beforeunload", guard)
    armed.delete(model)
    mark()
  })
}
