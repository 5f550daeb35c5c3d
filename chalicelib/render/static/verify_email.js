// Confirm a new e-mail address from its verification link.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  LinkToken.bindForm(document.getElementById("verify-email-form"), document.getElementById("email-verified"));
});
