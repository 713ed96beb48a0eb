package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// RegisterDevPages serves the two pages the mailed links open
// (APP_BASE_URL/verify-email?token=... and /reset-password?token=...), so
// that in development, with APP_BASE_URL pointing at zebra itself, the
// links work without a frontend. Each page is static HTML whose script
// reads the token from its own URL and calls the public API
// (POST /v1/auth/verify-email, POST /v1/auth/password-reset/confirm), the
// way a real frontend would. They are mounted on the router directly, not
// as operations: they are no part of the API or its OpenAPI document, and
// the module mounts them only with APP_ENV=dev.
func RegisterDevPages(api huma.API) {
	for path, page := range map[string]string{"/verify-email": verifyPage, "/reset-password": resetPage} {
		api.Adapter().Handle(&huma.Operation{Method: http.MethodGet, Path: path}, func(ctx huma.Context) {
			ctx.SetHeader("Content-Type", "text/html; charset=utf-8")
			ctx.SetHeader("Cache-Control", "no-store")
			// The token is in the URL: never send it on as a referrer.
			ctx.SetHeader("Referrer-Policy", "no-referrer")
			ctx.SetHeader("Content-Security-Policy", devPageCSP)
			ctx.SetStatus(http.StatusOK)
			_, _ = ctx.BodyWriter().Write([]byte(page))
		})
	}
}

// devPageCSP lets a page run its own inline script and call this server,
// nothing else.
const devPageCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// devPageHead is the start of both pages, up to the page's own content.
const devPageHead = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem}
input,button{font:inherit;padding:.3rem .5rem}small{color:#666}</style>
`

// devPageScript is shared by both pages: the token of the page's URL and
// the message of a failed call (the error envelope's message and fields).
const devPageScript = `<script>
const token = new URLSearchParams(location.search).get('token') || '';
const statusLine = document.getElementById('status');
async function call(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  if (r.ok) return null;
  const e = await r.json().catch(() => ({message: r.statusText}));
  const fields = ((e.details && e.details.fields) || []).map(f => f.field + ' ' + f.message);
  return [e.message].concat(fields).join(': ');
}
`

const devPageFoot = `<p><small>A development page of zebra (APP_ENV=dev); in production APP_BASE_URL points at the web app.</small></p>
`

const verifyPage = devPageHead + `<title>Zebra: confirm your email address</title>
</head>
<body>
<h1>Confirm your email address</h1>
<p id="status">Confirming...</p>
` + devPageFoot + devPageScript + `call('/v1/auth/verify-email', {token}).then(
  err => { statusLine.textContent = err ? 'Not confirmed: ' + err : 'Your email address is confirmed.'; },
  err => { statusLine.textContent = 'Not confirmed: ' + err; });
</script>
</body>
</html>
`

const resetPage = devPageHead + `<title>Zebra: choose a new password</title>
</head>
<body>
<h1>Choose a new password</h1>
<form id="reset">
<p><label>New password (12 to 128 characters)<br><input id="password" type="password" minlength="12" maxlength="128" required autocomplete="new-password"></label></p>
<p><button type="submit">Set the password</button></p>
</form>
<p id="status"></p>
` + devPageFoot + devPageScript + `document.getElementById('reset').addEventListener('submit', async ev => {
  ev.preventDefault();
  const err = await call('/v1/auth/password-reset/confirm', {token, newPassword: document.getElementById('password').value})
    .catch(e => String(e));
  statusLine.textContent = err ? 'Not changed: ' + err : 'Your password is changed: log in with the new one.';
});
</script>
</body>
</html>
`
