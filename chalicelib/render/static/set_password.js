// Set a password from a reset or activation link.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("set-password-form");
  LinkToken.bindForm(form, document.getElementById("password-set"), function (body) {
    return NewPassword.checked(form, body);
  });
});
