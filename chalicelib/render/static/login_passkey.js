// The login's second step with a passkey; the app's code and backup codes are linked on the page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("passkey-login-form");
  Passkeys.bindCeremony(form, "get", function () { return {}; },
                        function (fields, credential) { return { credential: credential }; },
                        function () { Portal.next(form.dataset.returnPath || "/portal"); });
  document.querySelector("[data-logout]").addEventListener("click", function () { Portal.logout(); });
});
