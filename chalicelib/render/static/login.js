"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("login-form");
  // The page asked for before the login (checked by the server, rendered into the form).
  const returnPath = form.dataset.returnPath;
  Portal.bindForm(form, function (data) {
    const next = { totp: "/login/totp", enroll: "/mfa/activate" };
    // An account with a passkey is offered it first; its page links the app's code and backup codes.
    const passkey = data.next === "totp" && data.second_factor === "passkey";
    const step = passkey ? "/login/passkey" : next[data.next];
    if (!step) { Portal.next(returnPath || "/portal"); return; }
    Portal.next(step + (returnPath ? "?next=" + encodeURIComponent(returnPath) : ""));
  });
});
