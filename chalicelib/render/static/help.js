// "Hulp nodig?": file a support request without logging in; the answer is a reference number.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("help-form");
  Portal.bindForm(form, function (data) {
    form.hidden = true;
    document.getElementById("help-reference").textContent = data.reference;
    const done = document.getElementById("help-done");
    done.hidden = false;
    done.focus();
  }, function (body) {
    if (!body.message) { delete body.message; }
    return body;
  });
});
