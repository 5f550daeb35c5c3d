// "Hulp nodig?": file a support request without logging in. Choosing "I have forgotten my username"
// asks for name, CRIB number and phone instead; the answer is a confirmation panel with the reference.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("help-form");
  const usernameField = document.getElementById("username-field");
  const identityFields = document.getElementById("identity-fields");

  function forgotten() {
    const chosen = form.querySelector("input[name=kind]:checked");
    return Boolean(chosen && chosen.value === "forgot_username");
  }

  function showIdentity() {
    const without = forgotten();
    usernameField.hidden = without;
    identityFields.hidden = !without;
  }

  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", showIdentity);
  });
  showIdentity();

  Portal.bindForm(form, function (data) {
    document.getElementById("help-start").hidden = true;
    document.getElementById("help-reference").textContent = data.reference;
    const mail = document.getElementById("help-next-mail");
    mail.textContent = mail.dataset.template.replace("{email}", form.querySelector("#email").value.trim());
    const done = document.getElementById("help-done");
    done.hidden = false;
    done.focus();
    window.scrollTo(0, 0);
  }, function () {
    // Only what the chosen way of identifying asks for is sent; empty optional fields are left out.
    const chosen = form.querySelector("input[name=kind]:checked");
    const body = { kind: chosen ? chosen.value : "", email: form.querySelector("#email").value };
    const names = forgotten() ? ["full_name", "crib", "phone"] : ["username"];
    names.concat(["message"]).forEach(function (name) {
      const value = form.querySelector("#" + name).value.trim();
      if (value) { body[name] = value; }
    });
    return body;
  });
});
