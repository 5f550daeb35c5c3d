"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("login-form");
  Portal.bindForm(form, function (data) {
    const next = { totp: "/login/totp", enroll: "/mfa/activate", done: "/portal" };
    // An account with a passkey is offered it first; its page links the app's code and backup codes.
    const passkey = data.next === "totp" && data.second_factor === "passkey";
    Portal.next(passkey ? "/login/passkey" : next[data.next] || "/portal");
  });
});
