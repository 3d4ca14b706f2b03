// My Account → Billing, live mode: save a card with Stripe (Stripe.js, loaded from js.stripe.com as Stripe requires).
// The card number is typed into Stripe's own frame (the card Element) and goes to Stripe only; Stripe confirms the
// SetupIntent, and this form then posts the SetupIntent's id (and the CSRF token) to Hostlane, which reads the
// result back from Stripe before saving anything.
(() => {
  const form = document.getElementById("card-form");
  if (!form) {
    return;
  }
  const button = document.getElementById("card-submit");
  const errors = document.getElementById("card-errors");
  if (typeof window.Stripe !== "function") {
    document.getElementById("card-unavailable").hidden = false;
    button.disabled = true;
    return;
  }
  const stripe = window.Stripe(form.dataset.stripeKey, { locale: form.dataset.locale || "auto" });
  const card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  card.on("change", (event) => {
    errors.textContent = event.error ? event.error.message : "";
  });
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    event.stopPropagation(); // this form sends itself once Stripe has answered (not hostlane.js's send-once guard)
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.clientSecret, { payment_method: { card } });
    if (result.error) {
      errors.textContent = result.error.message || "";
      busy = false;
      button.disabled = false;
      return;
    }
    form.elements.namedItem("setup_intent").value = result.setupIntent.id;
    form.submit();
  });
})();
