// Pages opened from a mailed link: the token travels in the URL fragment (never sent to a server by
// the browser). It is taken out of the address bar and the history, and sent with the page's form.
"use strict";

window.LinkToken = (function () {
  function take() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (window.location.hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return match ? decodeURIComponent(match[1]) : null;
  }

  // A link that was used, replaced or has expired: say so, with the way to ask for a new one.
  function refuse(form) {
    form.hidden = true;
    const notice = document.getElementById("link-missing");
    notice.hidden = false;
    notice.focus();
  }

  // Bind the form to the API with the token added. The form shows once the API (data-check) says the
  // link is still good; without a token, or with one it refuses, the page says the link cannot be used
  // before anything is typed. Trouble reaching the API shows the form: sending it says what is wrong.
  function bindForm(form, done, transform) {
    const token = take();
    form.hidden = true;
    if (!token) { refuse(form); return; }
    Portal.api("POST", form.dataset.check, { token: token }).then(function (result) {
      if (result.status === 400 && result.data && result.data.error && result.data.error.code === "invalid_token") {
        refuse(form);
      } else {
        form.hidden = false;
      }
    }, function () { form.hidden = false; });
    Portal.bindForm(form, function () {
      form.hidden = true;
      done.hidden = false;
    }, function (body) {
      return Object.assign(transform ? transform(body) : {}, { token: token });
    });
  }

  return { take: take, bindForm: bindForm };
})();
