"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("login-form");
  Portal.bindForm(form, function (data) {
    const next = { totp: "/login/totp", enroll: "/mfa/activate", done: "/portal" };
    Portal.next(next[data.next] || "/portal");
  });
});
