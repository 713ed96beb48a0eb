package redact

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type snapshot struct {
	ID          uuid.UUID  `json:"id"`
	Title       string     `json:"title"`
	Description *string    `json:"description"`
	Tags        []string   `json:"tags"`
	At          time.Time  `json:"at"`
	DeletedAt   *time.Time `json:"deletedAt,omitempty"`
	Version     int        `json:"version"`
	Hidden      string     `json:"-"`
	internal    string
}

type Token string

type withEmbeddedToken struct {
	Token
	ID string `json:"id"`
}

type Base struct {
	Secret string `json:"secret"`
}

type withEmbeddedStruct struct {
	Base
	ID string `json:"id"`
}

type tree struct {
	Name     string  `json:"name"`
	Children []*tree `json:"children"`
}

type withMap struct {
	Attrs map[string]any `json:"attrs"`
}

type withSensitiveField struct {
	Email        string `json:"email"`
	PasswordHash string `json:"passwordHash"`
}

type withUntaggedSensitive struct {
	APIKey string
}

type nested struct {
	Snap  snapshot           `json:"snap"`
	Creds withSensitiveField `json:"creds"`
}

func TestKeyFree(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		free bool
	}{
		{snapshot{}, true},
		{&snapshot{}, true},
		{[]snapshot{}, true},
		{tree{}, true},
		{withEmbeddedToken{}, false},     // encodes as {"Token": ...}
		{withEmbeddedStruct{}, false},    // promotes "secret"
		{withMap{}, false},               // a map can hold anything
		{withSensitiveField{}, false},    // passwordHash
		{withUntaggedSensitive{}, false}, // APIKey by its Go name
		{nested{}, false},
		{map[string]any{}, false},
		{json.RawMessage(`{}`), false},
		{"text", true},
		{42, true},
	} {
		assert.Equal(t, tt.free, keyFree(reflect.TypeOf(tt.v)), "%T", tt.v)
	}
}

// TestMarshalMatchesTheGeneralPath: whichever path Marshal takes, the
// document is the one json.Marshal(JSON(v)) gives.
func TestMarshalMatchesTheGeneralPath(t *testing.T) {
	t.Parallel()
	desc := "d"
	at := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)
	leaf := &tree{Name: "leaf"}
	for _, v := range []any{
		snapshot{ID: uuid.New(), Title: "t", Description: &desc, Tags: []string{"a"}, At: at, Version: 3, Hidden: "h", internal: "i"},
		&snapshot{Title: "nil pointer and slice"},
		tree{Name: "root", Children: []*tree{leaf, {Name: "other"}}},
		withEmbeddedToken{Token: "t", ID: "1"},
		withEmbeddedStruct{Base: Base{Secret: "s"}, ID: "1"},
		withMap{Attrs: map[string]any{"token": "t", "ok": 1}},
		withSensitiveField{Email: "a@b.c", PasswordHash: "h"},
		withUntaggedSensitive{APIKey: "k"},
		nested{Creds: withSensitiveField{Email: "e", PasswordHash: "h"}},
		map[string]any{"events": []string{"activity.updated"}, "apiKey": "k"},
		json.RawMessage(`{"a":{"token":"t","b":1}}`),
	} {
		got, err := Marshal(v)
		require.NoError(t, err, "%T", v)
		general, err := JSON(v)
		require.NoError(t, err)
		want, err := json.Marshal(general)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), "%T", v)
		assert.NotContains(t, string(got), `"h"`, "%T leaks a sensitive value", v)
		assert.NotContains(t, string(got), `"k"`, "%T leaks a sensitive value", v)
		assert.NotContains(t, string(got), `"s"`, "%T leaks a sensitive value", v)
	}
	nilOut, err := Marshal(nil)
	require.NoError(t, err)
	assert.Nil(t, nilOut)
	_, err = Marshal(make(chan int))
	assert.Error(t, err)
}

// BenchmarkMarshal compares the fast path with the general one on an
// entity snapshot, the common audited value.
func BenchmarkMarshal(b *testing.B) {
	desc := "a description"
	v := snapshot{ID: uuid.New(), Title: "title", Description: &desc, Tags: []string{"a", "b"}, At: time.Now(), Version: 7}
	b.Run("key-free struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general path", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clean, err := JSON(v)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(clean); err != nil {
				b.Fatal(err)
			}
		}
	})
}
