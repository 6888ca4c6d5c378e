export function render({ model, el }) {
  const typing = (event) => {
    const target = event.composedPath()[0];
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  };
  const onKey = (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || typing(event)) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) {
      event.preventDefault();
      model.send_msg({ action: "undo" });
    }
  };
  document.addEventListener("keydown", onKey);
  model.on("remove", () => document.removeEventListener("keydown", onKey));
  el.style.display = "none";
}
