// Helpers every test page shares, loaded before the page's own script: window.pageKit(state) gives
// fail(), withDeadline() and until() bound to that page's state (its `error`, `phase` and `log`).
(function () {
  'use strict';

  window.pageKit = function (state) {
    /** Records the first error (the test reads state.error) and logs every one. */
    function fail(what, err) {
      const text = what + ': ' + (typeof err === 'string' ? err : (err && err.message) || JSON.stringify(err));
      if (state.error === null) state.error = text;
      state.log.push('ERROR ' + text);
    }

    function withDeadline(promise, timeoutMs, what) {
      let timer;
      const deadline = new Promise((_, reject) => {
        timer = setTimeout(() => { reject(new Error('timed out after ' + timeoutMs + ' ms: ' + what + ' (phase ' + state.phase + ')')); }, timeoutMs);
      });
      return Promise.race([promise, deadline]).finally(() => { clearTimeout(timer); });
    }

    /** Resolves once check() holds, or as soon as an error is recorded (the caller surfaces it). */
    function until(check, timeoutMs, what) {
      return withDeadline(new Promise((resolve) => {
        const poll = () => {
          if (state.error !== null || check()) return resolve();
          setTimeout(poll, 20);
        };
        poll();
      }), timeoutMs, what);
    }

    return { fail, withDeadline, until };
  };
})();
