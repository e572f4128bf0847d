// Every htmx request carries the antiforgery token from <meta name="request-verification-token">,
// in the header the server reads (PagesSetup: RequestVerificationToken).
document.addEventListener('htmx:configRequest', function (e) {
  var meta = document.querySelector('meta[name="request-verification-token"]');
  if (meta) e.detail.headers['RequestVerificationToken'] = meta.content;
});

// Validation errors come back as 422 with the re-rendered form: let htmx swap them in.
document.addEventListener('htmx:beforeSwap', function (e) {
  if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
});
