// Progressive enhancement only: every page works without it.
// A form marked data-confirm asks before it is sent; a form is sent once (a double click pays once anyway:
// the server's idempotency keys make sure of it).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
});
