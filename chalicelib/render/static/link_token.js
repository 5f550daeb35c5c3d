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

  // Bind the form to the API with the token added; without a token say the link is not valid.
  function bindForm(form, done, transform) {
    const token = take();
    if (!token) {
      form.hidden = true;
      document.getElementById("link-missing").hidden = false;
      return;
    }
    Portal.bindForm(form, function () {
      form.hidden = true;
      done.hidden = false;
    }, function (body) {
      return Object.assign(transform ? transform(body) : {}, { token: token });
    });
  }

  return { take: take, bindForm: bindForm };
})();
