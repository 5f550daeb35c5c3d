// The support desk's actions: each form posts JSON to the admin API and, when it worked, reloads the
// page with a notice (?done=...) or, after creating an account, opens that account's page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The identity checks ticked on a form (support_identity.html), in the API's field.
  function identity(body, form) {
    const checks = Array.prototype.map.call(form.querySelectorAll("[data-identity-check]:checked"), function (box) {
      return box.dataset.identityCheck;
    });
    return { reason: body.reason, identity_checks: checks, identity_note: body.identity_note || null };
  }

  const transforms = {
    reason: function (body) { return { reason: body.reason }; },
    identified: identity,
    reset: identity,
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

  // Shown in the form's error summary and next to the field without asking the server (which refuses
  // the same, and records it). The identity checks are a fieldset, which the summary cannot link to by
  // name: their sentence is put in their own slot here.
  function refuse(form, field, message) {
    const summary = window.PortalErrors && PortalErrors.handles(form);
    if (summary) {
      PortalErrors.show(form, { errors: [{ field: field.getAttribute("name"), message: message }] });
    } else {
      Portal.clearErrors(form);
    }
    const slot = form.querySelector("#" + field.id + "-error");
    slot.textContent = message;
    slot.hidden = false;
    field.setAttribute("aria-invalid", "true");
    if (!summary) { field.focus(); }
  }

  document.querySelectorAll("form.support-action").forEach(function (form) {
    const kind = form.dataset.kind;
    // ASVS 6.4.4: no unblock or 2FA reset before the desk says how the identity was verified; a reset
    // also needs the staff member's confirmation.
    if (kind === "reset" || kind === "identified") {
      form.addEventListener("submit", function (event) {
        const checks = form.querySelector("fieldset.identity-checks");
        const confirm = form.querySelector("[name=confirmed]");
        let missing = null;
        if (!form.querySelector("[data-identity-check]:checked")) { missing = checks; }
        else if (confirm && !confirm.checked) { missing = confirm; }
        if (missing) {
          event.stopImmediatePropagation();
          event.preventDefault();
          refuse(form, missing, missing.dataset.required);
        }
      });
    }

    Portal.bindForm(form, function (data, result) {
      if (kind === "create") {
        window.location.assign("/support/users/" + encodeURIComponent(data.username) + "?done=created");
      } else {
        // 202: the action waits for a second staff member (four eyes).
        const done = result && result.status === 202 ? "requested" : form.dataset.done;
        window.location.assign(window.location.pathname + "?done=" + encodeURIComponent(done));
      }
    }, function (body) { return (transforms[kind] || transforms.reason)(body, form); });
  });
});
