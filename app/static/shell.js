// DataPilot shell, in the page head: the sidebar on phones and Escape in the sidebar's forms.
(function () {
  "use strict";
  // The same width as the @media rules of shell.css.
  const phone = window.matchMedia("(max-width: 600px)");
  const root = document.documentElement;

  // On a phone the sidebar starts closed: it would leave the page a third of the screen. Until
  // the template's sidebar exists, shell.css keeps it hidden so it does not flash open.
  if (phone.matches) root.dataset.dpSidebar = "closing";

  function sidebar() {
    return document.getElementById("sidebar");
  }
  function toggle() {
    return document.getElementById("sidebar-toggle");
  }
  function sidebarOpen() {
    const bar = sidebar();
    return Boolean(bar && bar.classList.contains("show"));
  }
  function closeSidebar() {
    const bar = sidebar();
    if (!bar) return;
    bar.classList.remove("show");
    const button = toggle();
    if (button) button.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (phone.matches) closeSidebar();
    delete root.dataset.dpSidebar;
  });

  // A deep querySelector: Panel draws every widget in its own shadow root.
  function deepFind(node, selector) {
    const hit = node.querySelector(selector);
    if (hit) return hit;
    for (const el of node.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const found = deepFind(el.shadowRoot, selector);
        if (found) return found;
      }
    }
    return null;
  }
  function button(host) {
    return host && (host.shadowRoot ? deepFind(host.shadowRoot, "button") : null);
  }

  // Escape in the workspace form cancels it (the server closes it, nothing is saved) and gives
  // the focus back to New; elsewhere on a phone it closes the open sidebar.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const form = event
      .composedPath()
      .find((el) => el.classList && el.classList.contains("dp-sidebar-form"));
    if (form) {
      const cancel = button(deepFind(form.shadowRoot || form, ".dp-workspace-cancel"));
      if (!cancel) return;
      event.preventDefault();
      // The form's save button says which of New and Rename opened it.
      const save = button(deepFind(form.shadowRoot || form, ".dp-workspace-save"));
      const opener = save && save.textContent.trim() === "Rename" ? "rename" : "new";
      cancel.click();
      const back = button(deepFind(document, `.dp-workspace-${opener}`));
      if (back) back.focus();
      return;
    }
    if (phone.matches && sidebarOpen()) {
      closeSidebar();
      const menu = toggle();
      if (menu) menu.focus();
    }
  });

  // On a phone the open sidebar lies over the page: a tap beside it closes it.
  document.addEventListener("click", function (event) {
    if (!phone.matches || !sidebarOpen()) return;
    const path = event.composedPath();
    if (path.includes(sidebar()) || path.includes(toggle())) return;
    closeSidebar();
  });

  // A page switched in the same document (router.js): on a phone, the sidebar it was picked
  // from closes, as it did when every page was a new document.
  // A sidebar still opening (Bootstrap's collapse transition) would come back open at its end.
  document.addEventListener("dp:page", function () {
    if (!phone.matches) return;
    const bar = sidebar();
    if (bar && bar.classList.contains("collapsing")) {
      bar.addEventListener("shown.bs.collapse", closeSidebar, { once: true });
    } else {
      closeSidebar();
    }
  });
})();
