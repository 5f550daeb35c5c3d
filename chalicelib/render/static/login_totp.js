// The second step of the login: the app's 6-digit code, or a backup code instead.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const totpForm = document.getElementById("totp-form");
  const backupForm = document.getElementById("backup-code-form");
  const toggle = document.getElementById("use-backup-code");
  const labels = { backup: toggle.textContent, app: toggle.dataset.appLabel };

  // The page asked for before the login, checked by the server; else Mijn portaal.
  function done() { Portal.next(totpForm.dataset.returnPath || "/portal"); }
  function digitsOnly(body) { body.code = body.code.replace(/\s+/g, ""); return body; }

  Portal.bindForm(totpForm, done, digitsOnly);
  // After a backup code: how many are left, and a new list when few are (/mfa/backup-code-used).
  Portal.bindForm(backupForm, function () { Portal.next("/mfa/backup-code-used"); });

  document.querySelector("[data-logout]").addEventListener("click", function () { Portal.logout(); });
  toggle.addEventListener("click", function () {
    const showBackup = backupForm.hidden;
    backupForm.hidden = !showBackup;
    totpForm.hidden = showBackup;
    toggle.setAttribute("aria-expanded", String(showBackup));
    toggle.textContent = showBackup ? labels.app : labels.backup;
    (showBackup ? backupForm : totpForm).querySelector("input").focus();
  });
  // The passkey page's "use a backup code" link.
  if (new URLSearchParams(window.location.search).get("factor") === "backup-code") { toggle.click(); }
});
