export function render({ model }) {
  const guard = (event) => {
    if (!model.active) return
    event.preventDefault()
    event.returnValue = ""  // older browsers need a value to show the prompt
  }
  window.addEventListener("beforeunload", guard)
  model.on("remove", () => window.removeEventListener("beforeunload", guard))
}
