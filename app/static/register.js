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

  function userInputs() {
    return ["name", "email", "organisation"].map((id) => document.getElementById(id).value);
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
