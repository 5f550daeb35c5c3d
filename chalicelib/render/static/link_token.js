// Pages opened from a mailed link: the token travels in the URL fragment (never sent to a server by
// the browser); take it and remove it from the address bar and the history.
"use strict";

window.LinkToken = (function () {
  function take() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (window.location.hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return match ? decodeURIComponent(match[1]) : null;
  }
  return { take: take };
})();
