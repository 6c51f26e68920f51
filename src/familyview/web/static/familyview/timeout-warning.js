// Warn before the idle time-out signs a user out, and let them stay signed in
// (WCAG 2.2.1 Timing adjustable). The server decides the time-out (access/sessions.py);
// this only warns a little before it and asks the server to note the user as active.
const dialog = document.querySelector("dialog[data-module=app-timeout-warning]");

if (dialog && typeof dialog.showModal === "function") {
  const idle = Number(dialog.dataset.idleSeconds) * 1000;
  const warn = Number(dialog.dataset.warnSeconds) * 1000;
  let warnTimer;
  let endTimer;

  const signIn = () => {
    const next = window.location.pathname + window.location.search;
    window.location.assign(`${dialog.dataset.signInUrl}?next=${encodeURIComponent(next)}`);
  };

  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(() => dialog.showModal(), Math.max(0, idle - warn));
    // A second after the time-out, so that the server has surely ended the session.
    endTimer = setTimeout(signIn, idle + 1000);
  };

  const stay = async () => {
    try {
      const answer = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": dialog.dataset.csrfToken },
        credentials: "same-origin",
        redirect: "manual",
      });
      if (answer.status !== 204) {
        signIn();
        return;
      }
    } catch {
      signIn();
      return;
    }
    dialog.close();
    schedule();
  };

  dialog.querySelector("[data-action=stay]").addEventListener("click", stay);
  // Escape closes a modal dialog; here it means "stay signed in", not "ignore".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  schedule();
}
