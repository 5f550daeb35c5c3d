// New backup codes (password + current code) and the one-time link to the current list's document.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const newCodesForm = document.getElementById("new-codes-form");
  const result = document.getElementById("new-codes-result");

  BackupCodesPopup.bind(newCodesForm, result, function () {
    newCodesForm.reset();
    document.getElementById("new-codes-created").hidden = false;
  }, function () {
    return {
      password: document.getElementById("password").value,
      code: document.getElementById("current-code").value.trim(),
    };
  });
  const openForm = document.getElementById("open-form");  // absent once every code is used
  if (openForm) { BackupCodesPopup.bind(openForm, result, null); }
});
