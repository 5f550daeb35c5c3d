// The backup-code sheet opens in a pop-up for printing. Browsers allow a pop-up only during the click
// itself, so the window is opened then and pointed at the document once the API has answered; when
// the pop-up is blocked the same (short-lived) link is offered on the page instead.
"use strict";

window.BackupCodesPopup = (function () {
  function open() {
    try { return window.open("", "backup-codes"); } catch (e) { return null; }
  }

  function discard(popup) {
    if (popup && !popup.closed) { popup.close(); }
  }

  // Show the outcome inside `container` (see mfa_pdf_link.html) and send the pop-up to `url`.
  function show(container, popup, url) {
    container.hidden = false;
    if (!url) {
      discard(popup);
      container.querySelector("[data-no-link]").hidden = false;
      return;
    }
    const link = container.querySelector("[data-link]");
    link.href = url;
    container.querySelector("[data-link-row]").hidden = false;
    if (popup) {
      popup.opener = null;
      popup.location.replace(url);
    } else {
      container.querySelector("[data-popup-blocked]").hidden = false;
    }
  }

  // Submit `form` (no fields of its own unless `body` gives them) with a pop-up opened at the click;
  // onSuccess(data) runs after the pop-up was pointed at data.backup_codes_pdf.
  function bind(form, container, onSuccess, body) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      Portal.clearErrors(form);
      const popup = open();
      const button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      try {
        const result = await Portal.api("POST", form.dataset.api, body ? body() : {});
        if (result.ok) {
          show(container, popup, result.data.backup_codes_pdf);
          if (onSuccess) { onSuccess(result.data); }
        } else {
          discard(popup);
          Portal.showError(form, result.data && result.data.error);
        }
      } catch (e) {
        discard(popup);
        Portal.showError(form, null);
      } finally {
        if (button) { button.disabled = false; }
      }
    });
  }

  return { bind: bind };
})();
