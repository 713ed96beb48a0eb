package redact

import (
	"encoding/json"
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

func TestMentionsSensitive(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    any
		want bool
	}{
		{snapshot{Title: "t"}, false},
		{tree{Name: "n", Children: []*tree{{Name: "m"}}}, false},
		{map[string]any{"title": "t"}, false},
		{withEmbeddedToken{}, true},     // encodes as {"Token": ...}
		{withEmbeddedStruct{}, true},    // promotes "secret"
		{withSensitiveField{}, true},    // passwordHash
		{withUntaggedSensitive{}, true}, // APIKey by its Go name
		{nested{}, true},
		{map[string]any{"O-T_P": 1}, true},
		{map[string]any{"photo": 1}, false},
		{map[string]any{"title": "my api key"}, true}, // a value: a false alarm, never a miss
	} {
		doc, err := json.Marshal(tt.v)
		require.NoError(t, err)
		assert.Equal(t, tt.want, mentionsSensitive(doc), "%s", doc)
	}
}

// general is the general path: v decoded into JSON-like values, stripped
// and encoded again.
func general(t testing.TB, v any) []byte {
	t.Helper()
	doc, err := json.Marshal(v)
	require.NoError(t, err)
	var generic any
	require.NoError(t, json.Unmarshal(doc, &generic))
	doc, err = json.Marshal(Strip(generic))
	require.NoError(t, err)
	return doc
}

// TestMarshalMatchesTheGeneralPath: whichever path Marshal takes, the
// document is the one the general path gives.
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
		assert.JSONEq(t, string(general(t, v)), string(got), "%T", v)
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
	b.Run("no sensitive key", func(b *testing.B) {
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
			general(b, v)
		}
	})
}
