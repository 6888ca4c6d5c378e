// Opens a path of this site when Python asks (see navigate.py); other addresses are ignored.
export function render({ model, el }) {
  el.setAttribute("aria-hidden", "true")
  model.on("msg:custom", (msg) => {
    const url = msg && msg.type === "go" ? msg.url : null
    if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//")) return
    window.location.assign(url)
  })
}
