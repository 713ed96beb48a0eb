package redact_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/redact"
)

func TestIsSensitive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"password", true},
		{"passwordHash", true},
		{"password_hash", true},
		{"Password-Hash", true},
		{"token", true},
		{"refreshToken", true},
		{"refresh_token", true},
		{"accessToken", true},
		{"secret", true},
		{"clientSecret", true},
		{"Authorization", true},
		{"apiKey", true},
		{"private_key", true},
		{"mfaSecret", true},
		{"emailVerifyToken", true},
		{"Set-Cookie", true},
		{"signingKey", true},
		{"otp", true},
		{"TOTP", true},
		{"photo", false},
		{"email", false},
		{"title", false},
		{"displayName", false},
		{"roles", false},
		{"status", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, redact.IsSensitive(tt.key))
		})
	}
}

func TestStripAtAnyDepth(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"email":        "a@example.com",
		"passwordHash": "$argon2id$...",
		"profile": map[string]any{
			"name":  "Ada",
			"token": "abc",
			"sessions": []any{
				map[string]any{"id": "s1", "refresh_token": "r1"},
				map[string]any{"id": "s2", "nested": map[string]any{"secret": "x", "keep": 1.0}},
			},
		},
		"headers": map[string]string{"Authorization": "Bearer x", "Accept": "json"},
	}
	got := redact.Strip(in)
	want := map[string]any{
		"email": "a@example.com",
		"profile": map[string]any{
			"name": "Ada",
			"sessions": []any{
				map[string]any{"id": "s1"},
				map[string]any{"id": "s2", "nested": map[string]any{"keep": 1.0}},
			},
		},
		"headers": map[string]any{"Accept": "json"},
	}
	assert.Equal(t, want, got)
	// The input is not modified: callers may still use it.
	assert.Contains(t, in, "passwordHash")
}

func TestMaskedKeepsKeys(t *testing.T) {
	t.Parallel()
	got := redact.Masked(map[string]any{"password": "p", "user": map[string]any{"apiKey": "k", "id": "1"}})
	assert.Equal(t, map[string]any{"password": redact.Mask, "user": map[string]any{"apiKey": redact.Mask, "id": "1"}}, got)
}

func TestMarshalStripsStructsAndRawJSON(t *testing.T) {
	t.Parallel()
	type credentials struct {
		Email        string `json:"email"`
		PasswordHash string `json:"passwordHash"`
	}
	type user struct {
		ID    string        `json:"id"`
		Creds credentials   `json:"credentials"`
		Keys  []credentials `json:"keys"`
	}
	b, err := redact.Marshal(user{ID: "u1", Creds: credentials{"a@b.c", "h"}, Keys: []credentials{{"x@y.z", "h2"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"u1","credentials":{"email":"a@b.c"},"keys":[{"email":"x@y.z"}]}`, string(b))

	b, err = redact.Marshal(json.RawMessage(`{"a":{"b":[{"token":"t","c":2}]}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{"b":[{"c":2}]}}`, string(b))

}
