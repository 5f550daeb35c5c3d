// The seed's enrollment steps on one page: one section per step, the API called at steps 3, 9 and 10.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const steps = Array.from(document.querySelectorAll("[data-step]"));

  function go(number) {
    steps.forEach(function (section) { section.hidden = section.dataset.step !== String(number); });
    window.scrollTo(0, 0);
    const heading = document.getElementById("step-" + number + "-heading");
    if (heading) { heading.focus(); }
  }

  // The QR code arrives as an SVG document: parsed, never inserted as HTML.
  function showQrCode(svgText) {
    const holder = document.getElementById("qr-code");
    const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", holder.dataset.alt);
    holder.replaceChildren(document.importNode(svg, true));
  }

  document.querySelector("[data-logout]").addEventListener("click", function () { Portal.logout(); });
  document.querySelectorAll("[data-goto]").forEach(function (button) {
    button.addEventListener("click", function () { go(button.dataset.goto); });
  });

  const enrollmentForm = document.getElementById("enrollment-form");
  Portal.bindForm(enrollmentForm, function (data) {
    showQrCode(data.qr_svg);
    document.getElementById("manual-account").textContent = data.account;
    document.getElementById("manual-issuer").textContent = data.issuer;
    const secret = document.getElementById("manual-secret");
    secret.textContent = data.secret.replace(/(.{4})(?=.)/g, "$1 ");
    secret.dataset.copyValue = data.secret;
    enrollmentForm.reset();
    go(4);
  });

  const manualButton = document.getElementById("manual-button");
  manualButton.addEventListener("click", function () {
    const manual = document.getElementById("manual-entry");
    manual.hidden = !manual.hidden;
    manualButton.setAttribute("aria-expanded", String(!manual.hidden));
  });

  const confirmForm = document.getElementById("confirm-form");
  Portal.bindForm(confirmForm, function () {
    confirmForm.reset();
    go(10);
  }, function (body) {
    body.code = body.code.replace(/\s+/g, "");
    return body;
  });

  const activateForm = document.getElementById("activate-form");
  const pdfLink = document.querySelector("[data-pdf-link]");
  BackupCodesPopup.bind(activateForm, pdfLink, function () { go(11); });
});
