// Account settings, passkeys: add one (password and current code first), rename, remove.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  function reload() { window.location.reload(); }

  const addForm = document.getElementById("passkey-add-form");
  Passkeys.bindCeremony(addForm, "create",
                        function (fields) { return { password: fields.password, code: fields.code }; },
                        function (fields, credential) { return { name: fields.name, credential: credential }; },
                        reload);

  document.querySelectorAll(".passkey-rename").forEach(function (form) { Portal.bindForm(form, reload); });

  const removeForm = document.getElementById("passkey-remove-form");
  if (removeForm) {
    const which = removeForm.querySelector("select");
    const target = function () {
      removeForm.dataset.api = "/api/v1/account/passkeys/" + encodeURIComponent(which.value) + "/remove";
    };
    which.addEventListener("change", target);
    target();
    Portal.bindForm(removeForm, reload, function (body) { delete body.credential_id; return body; });
  }
});
