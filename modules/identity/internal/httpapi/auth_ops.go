package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/platform/httpserver"
)

type ctxT = context.Context

type signUpInput struct {
	client
	Body signUpInputBody
}

type signUpInputBody struct {
	Email       string  `json:"email" maxLength:"254" doc:"Trimmed and lower-cased before use. Internationalised addresses are welcome; invisible, formatting and control characters are not." example:"ada@example.com"`
	Password    string  `json:"password" minLength:"12" maxLength:"128" doc:"12..128 characters."`
	DisplayName *string `json:"displayName,omitempty" nullable:"true" maxLength:"100" doc:"Optional, 1..100 characters."`
}

func (b *signUpInputBody) command(ip string) command.SignUp {
	name := ""
	if b.DisplayName != nil {
		name = *b.DisplayName
	}
	return command.SignUp{Email: b.Email, Password: b.Password, DisplayName: name, IP: ip}
}

// Resolve adds the command's verdict on the fields to the schema's
// errors, so that one 422 names every invalid field; a body the schema
// accepts goes on to the command, which reports them all itself.
func (b *signUpInputBody) Resolve(ctx huma.Context) []error {
	return httpserver.AlongsideSchemaErrors(ctx, b.command("").Validate())
}

func (r *Routes) signUp(ctx ctxT, in *signUpInput) (*createdUserOutput, error) {
	id, err := r.app.Commands.SignUp.Handle(ctx, in.Body.command(in.ip))
	if err != nil {
		return nil, err
	}
	v, err := r.app.Queries.GetUser.Handle(ctx, id)
	if err != nil {
		return nil, err
	}
	out := userOutputOf(v)
	return &createdUserOutput{ETag: out.ETag, Location: "/v1/users/" + id.String(), Body: out.Body}, nil
}

type loginInput struct {
	client
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ada@example.com"`
		Password string `json:"password" maxLength:"1024"`
	}
}

func (r *Routes) login(ctx ctxT, in *loginInput) (*tokensOutput, error) {
	t, err := r.app.Commands.Login.Handle(ctx, command.Login{Email: in.Body.Email, Password: in.Body.Password, IP: in.ip})
	if err != nil {
		return nil, withRetryAfter(err)
	}
	return tokensOutputOf(t), nil
}

type refreshInput struct {
	client
	Body struct {
		RefreshToken string `json:"refreshToken" maxLength:"512"`
	}
}

func (r *Routes) refresh(ctx ctxT, in *refreshInput) (*tokensOutput, error) {
	t, err := r.app.Commands.Refresh.Handle(ctx, command.Refresh{RefreshToken: in.Body.RefreshToken, IP: in.ip})
	if err != nil {
		return nil, err
	}
	return tokensOutputOf(t), nil
}

type logoutInput struct {
	Body struct {
		RefreshToken string `json:"refreshToken" maxLength:"512"`
	}
}

func (r *Routes) logout(ctx ctxT, in *logoutInput) (*struct{}, error) {
	return nil, r.app.Commands.Logout.Handle(ctx, command.Logout{RefreshToken: in.Body.RefreshToken})
}

type verifyEmailInput struct {
	Body struct {
		Token string `json:"token" maxLength:"512" doc:"The token of the verification email's link."`
	}
}

func (r *Routes) verifyEmail(ctx ctxT, in *verifyEmailInput) (*struct{}, error) {
	return nil, r.app.Commands.VerifyEmail.Handle(ctx, command.VerifyEmail{Token: in.Body.Token})
}

type requestResetInput struct {
	client
	Body struct {
		Email string `json:"email" maxLength:"254" example:"ada@example.com"`
	}
}

func (r *Routes) requestReset(ctx ctxT, in *requestResetInput) (*struct{}, error) {
	return nil, r.app.Commands.RequestPasswordReset.Handle(ctx, command.RequestPasswordReset{Email: in.Body.Email, IP: in.ip})
}

type confirmResetInput struct {
	client
	Body struct {
		Token       string `json:"token" maxLength:"512" doc:"The token of the reset email's link."`
		NewPassword string `json:"newPassword" minLength:"12" maxLength:"128" doc:"12..128 characters."`
	}
}

func (r *Routes) confirmReset(ctx ctxT, in *confirmResetInput) (*struct{}, error) {
	return nil, r.app.Commands.ConfirmPasswordReset.Handle(ctx, command.ConfirmPasswordReset{
		Token: in.Body.Token, NewPassword: in.Body.NewPassword, IP: in.ip,
	})
}

// jwksOutput is a JWK Set.
type jwksOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Keys []jwk `json:"keys" nullable:"false"`
	}
}

// jwk is a public JSON Web Key (RFC 7517/8037).
type jwk struct {
	Kty string `json:"kty" enum:"OKP,EC"`
	Crv string `json:"crv" enum:"Ed25519,P-256"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg" enum:"EdDSA,ES256"`
	Use string `json:"use" enum:"sig"`
}

func (r *Routes) jwks(context.Context, *struct{}) (*jwksOutput, error) {
	out := &jwksOutput{CacheControl: "public, max-age=300"}
	out.Body.Keys = []jwk{}
	for _, k := range r.keys.JWKS() {
		out.Body.Keys = append(out.Body.Keys, jwk{Kty: k.Kty, Crv: k.Crv, X: k.X, Y: k.Y, Kid: k.Kid, Alg: k.Alg, Use: k.Use})
	}
	return out, nil
}

// withRetryAfter adds Retry-After (seconds) to a lockout.
func withRetryAfter(err error) error {
	var rl *command.RateLimitedError
	if !errors.As(err, &rl) {
		return err
	}
	return huma.ErrorWithHeaders(err, http.Header{"Retry-After": {strconv.Itoa(rl.RetryAfterSeconds())}})
}
