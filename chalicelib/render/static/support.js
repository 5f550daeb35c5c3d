// The support desk's actions: each form posts JSON to the admin API and, when it worked, reloads the
// page with a notice (?done=...) or, after creating an account, opens that account's page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const transforms = {
    reason: function (body) { return { reason: body.reason }; },
    reset: function (body) { return { reason: body.reason, identity_check: body.identity_check || null }; },
    representative: function (body) {
      return { username: body.username, firm_name: body.firm_name, crib: body.crib, reason: body.reason };
    },
    create: function (body) {
      const account = { username: body.username, email: body.email, roles: [body.roles],
                        language: body.language, reason: body.reason };
      if (body.crib) { account.crib = body.crib; }
      return account;
    }
  };

  document.querySelectorAll("form.support-action").forEach(function (form) {
    const kind = form.dataset.kind;
    // A 2FA reset also needs the staff member's confirmation that the identity was verified (ASVS 2.5.7).
    if (kind === "reset") {
      form.addEventListener("submit", function (event) {
        const problems = [];
        if (!form.querySelector("[name=identity_check]").value) {
          problems.push({ field: "identity_check", code: "missing" });
        }
        if (!form.querySelector("[name=confirmed]").checked) { problems.push({ field: "confirmed", code: "missing" }); }
        if (problems.length) {
          event.stopImmediatePropagation();
          event.preventDefault();
          Portal.showError(form, { errors: problems });
        }
      });
    }

    Portal.bindForm(form, function (data) {
      if (kind === "create") {
        window.location.assign("/support/users/" + encodeURIComponent(data.username) + "?done=created");
      } else {
        window.location.assign(window.location.pathname + "?done=" + encodeURIComponent(form.dataset.done));
      }
    }, transforms[kind]);
  });
});
