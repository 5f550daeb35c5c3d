// Forgotten password: the answer is the same whether or not the account exists.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("forgot-form");
  Portal.bindForm(form, function () {
    form.hidden = true;
    document.getElementById("forgot-done").hidden = false;
  });
});
