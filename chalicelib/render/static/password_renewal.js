// Right after a login whose password is now on the breached list: a new password, then the portal.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("password-renewal-form");
  Portal.bindForm(form, function () { Portal.next("/portal"); },
                  function (body) { return NewPassword.checked(form, body); });
  document.querySelector("[data-logout]").addEventListener("click", function () { Portal.logout(); });
});
