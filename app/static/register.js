// Password strength meter: the same zxcvbn scorer the server enforces.
(function () {
  const form = document.getElementById("register-form");
  if (!form) return;
  const minLength = Number(form.dataset.minLength || 10);
  const minScore = Number(form.dataset.minScore || 3);
  const password = document.getElementById("password");
  const confirm = document.getElementById("confirm");
  const bar = document.getElementById("strength-bar");
  const text = document.getElementById("strength-text");
  const confirmText = document.getElementById("confirm-text");
  const labels = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

  // The same expansion as personal_words() in app/services/passwords.py: zxcvbn matches a user
  // input only as a whole word, so each value also gives its words and its email parts.
  function personalWords(values) {
    const words = [];
    for (const raw of values) {
      const value = (raw || "").trim().toLowerCase().slice(0, 200);
      if (!value) continue;
      const at = value.indexOf("@");
      const local = at < 0 ? value : value.slice(0, at);
      const domain = at < 0 ? "" : value.slice(at + 1);
      const labels = domain ? domain.split(".") : [];
      const parts = value.split(/[^0-9a-z]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])/);
      const found = [value, local, domain, ...labels, value.split(/\s+/).join("")];
      if (labels.length) found.push(`${local}@${labels[0]}`);
      found.push(...parts.filter((p) => p.length >= 2), parts.join(""));
      words.push(...found.filter((w) => w.length >= 2));
    }
    return [...new Set(words)];
  }

  function userInputs() {
    const [name, email, organisation] = ["name", "email", "organisation"].map(
      (id) => document.getElementById(id).value
    );
    // With no organisation the server names the team "<name>'s team".
    const team = organisation.trim() || (name.trim() ? `${name.trim()}'s team` : "");
    return personalWords([email, name, team]);
  }

  function update() {
    const value = password.value;
    if (!value) {
      bar.dataset.score = "-1";
      text.textContent = `At least ${minLength} characters; a few unrelated words work well.`;
      return;
    }
    const result = window.zxcvbn ? window.zxcvbn(value.slice(0, 100), userInputs()) : { score: 0, feedback: {} };
    const score = value.length < minLength ? Math.min(result.score, 1) : result.score;
    bar.dataset.score = String(score);
    let message = labels[score];
    if (value.length < minLength) message += ` — use at least ${minLength} characters`;
    else if (score < minScore) message += ` — ${result.feedback.warning || "add another word or two"}`;
    text.textContent = message;
    checkConfirm();
  }

  function checkConfirm() {
    confirmText.textContent = confirm.value && confirm.value !== password.value ? "The passwords are not the same." : "";
  }

  password.addEventListener("input", update);
  confirm.addEventListener("input", checkConfirm);
  ["name", "email", "organisation"].forEach((id) => document.getElementById(id).addEventListener("input", update));
})();
