// Confirm a new e-mail address from its verification link.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("verify-email-form");
  const token = LinkToken.take();
  if (!token) {
    form.hidden = true;
    document.getElementById("link-missing").hidden = false;
    return;
  }
  Portal.bindForm(form, function () {
    form.hidden = true;
    document.getElementById("email-verified").hidden = false;
  }, function () { return { token: token }; });
});
