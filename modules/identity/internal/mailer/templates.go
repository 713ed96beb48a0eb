package mailer

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
)

// content is what a mail says, by kind.
type content struct {
	subject string
	path    string // page of the web app the link opens
	text    *texttemplate.Template
	html    *template.Template
}

type data struct {
	Name string
	Link string
}

var kinds = map[string]content{
	kindVerify: {
		subject: "Confirm your email address",
		path:    "/verify-email",
		text: texttemplate.Must(texttemplate.New("verify").Parse(`Hello {{.Name}},

please confirm your email address by opening this link:

{{.Link}}

If you did not sign up for Zebra, ignore this message.
`)),
		html: template.Must(template.New("verify").Parse(`<p>Hello {{.Name}},</p>
<p>please confirm your email address: <a href="{{.Link}}">confirm my email</a>.</p>
<p>If you did not sign up for Zebra, ignore this message.</p>
`)),
	},
	kindReset: {
		subject: "Reset your password",
		path:    "/reset-password",
		text: texttemplate.Must(texttemplate.New("reset").Parse(`Hello {{.Name}},

someone asked to reset the password of your Zebra account. To choose a new
password, open this link:

{{.Link}}

The link works once and expires soon. If it was not you, ignore this
message: your password stays as it is.
`)),
		html: template.Must(template.New("reset").Parse(`<p>Hello {{.Name}},</p>
<p>someone asked to reset the password of your Zebra account. <a href="{{.Link}}">Choose a new password</a>.</p>
<p>The link works once and expires soon. If it was not you, ignore this message: your password stays as it is.</p>
`)),
	},
}

// render fills the kind's templates with a link to baseURL+path?token=secret.
func render(kind, baseURL, name, email, secret string) (subject, text, html string, err error) {
	c := kinds[kind]
	link := strings.TrimRight(baseURL, "/") + c.path + "?token=" + url.QueryEscape(secret)
	if name == "" {
		name = email
	}
	d := data{Name: name, Link: link}
	var tb, hb bytes.Buffer
	if err := c.text.Execute(&tb, d); err != nil {
		return "", "", "", err
	}
	if err := c.html.Execute(&hb, d); err != nil {
		return "", "", "", err
	}
	return c.subject, tb.String(), hb.String(), nil
}
