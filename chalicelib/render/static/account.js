// Account settings: change the password (the other sessions end), the language of mails, ask to change
// the e-mail address.
"use strict";

function showDone(form, text) {
  const done = form.querySelector(".success");
  if (text) { done.textContent = text; }
  done.hidden = false;
  form.querySelectorAll("input").forEach(function (input) { input.value = ""; });
}

document.addEventListener("DOMContentLoaded", function () {
  const passwordForm = document.getElementById("password-form");
  Portal.bindForm(passwordForm, function () { showDone(passwordForm); },
                  function (body) { return NewPassword.checked(passwordForm, body); });

  const languageForm = document.getElementById("language-form");
  Portal.bindForm(languageForm, function () { languageForm.querySelector(".success").hidden = false; });

  const emailForm = document.getElementById("email-form");
  Portal.bindForm(emailForm, function (data) {
    const done = emailForm.querySelector(".success");
    showDone(emailForm, done.dataset.template.replace("{email}", data.pending_email));
    const pending = document.getElementById("pending-email");
    pending.hidden = true;
  });
});
