// The seed's enrollment steps, one address each (/mfa/activate/<step>): the steps are linked, so the
// browser's Back and Forward, a reload and the language switch keep the step. The API is called at
// steps 3, 9 and 10; after step 10 the page shows step 11 in place, because the backup-code link
// the activation hands out (once) lives only in this page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const enrollment = document.getElementById("enrollment");

  function focusHeading(number) {
    const heading = document.getElementById("step-" + number + "-heading");
    if (heading) { heading.focus(); }
  }

  // Links that look like buttons act on Space as buttons do.
  document.querySelectorAll("a[role=button]").forEach(function (link) {
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); link.click(); }
    });
  });

  const logout = document.querySelector("[data-logout]");
  if (logout) { logout.addEventListener("click", function () { Portal.logout(); }); }

  const enrollmentForm = document.getElementById("enrollment-form");
  if (enrollmentForm) {
    Portal.bindForm(enrollmentForm, function () {
      enrollmentForm.reset();
      window.location.assign(enrollmentForm.dataset.next);
    });
  }

  const manualButton = document.getElementById("manual-button");
  if (manualButton) {
    manualButton.addEventListener("click", function () {
      const manual = document.getElementById("manual-entry");
      manual.hidden = !manual.hidden;
      manualButton.setAttribute("aria-expanded", String(!manual.hidden));
    });
  }

  const confirmForm = document.getElementById("confirm-form");
  if (confirmForm) {
    Portal.bindForm(confirmForm, function () {
      confirmForm.reset();
      window.location.assign(confirmForm.dataset.next);
    }, function (body) {
      body.code = body.code.replace(/\s+/g, "");
      return body;
    });
  }

  // Step 11 in place of step 10: the address and the language links become step 11's, so a reload or
  // another language shows the finished set-up, never the activation again.
  function showDone() {
    const donePath = enrollment.dataset.donePath;
    document.querySelector("[data-step='10']").hidden = true;
    document.querySelector("[data-step='11']").hidden = false;
    window.history.replaceState(null, "", donePath);
    document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
      const target = new URL(donePath, window.location.href);
      target.searchParams.set("lang", link.getAttribute("hreflang"));
      link.setAttribute("href", target.pathname + target.search);
    });
    window.scrollTo(0, 0);
    focusHeading(11);
  }

  const activateForm = document.getElementById("activate-form");
  if (activateForm) {
    BackupCodesPopup.bind(activateForm, document.querySelector("[data-pdf-link]"), showDone);
  }

  focusHeading(enrollment.dataset.stepNow);
});
