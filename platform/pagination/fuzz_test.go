package pagination_test

import (
	"testing"
	"unicode/utf8"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/pagination"
)

// position is a typical keyset position: the last item's id and sort key.
type position struct {
	ID  string `json:"id"`
	Key int64  `json:"k"`
}

// FuzzDecode feeds arbitrary cursors to Decode: it must never panic, must
// answer invalid_cursor for anything it rejects, and may accept only a
// cursor carrying a valid signature for the list.
func FuzzDecode(f *testing.F) {
	codec := pagination.NewCodec("fuzz-secret")
	f.Add("activities", codec.Encode("activities", position{ID: "0192", Key: 7}))
	f.Add("activities", "")
	f.Add("activities", ".")
	f.Add("users", "eyJpZCI6IngifQ.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, list, cursor string) {
		var got position
		err := codec.Decode(list, cursor, &got)
		if err != nil {
			if apperr.CodeOf(err) != apperr.CodeInvalidCursor {
				t.Fatalf("Decode(%q) = %v, want invalid_cursor", cursor, err)
			}
			return
		}
		// Accepted: it must be what we would have issued for this list,
		// i.e. re-encoding its payload verifies under the same list.
		var again position
		if err := codec.Decode(list, codec.Encode(list, got), &again); err != nil || again != got {
			t.Fatalf("accepted cursor %q decodes to %+v, which does not round-trip: %v", cursor, got, err)
		}
	})
}

// FuzzRoundTrip checks that every position survives Encode/Decode, that a
// cursor is refused on another list, and that any single-byte change to a
// cursor either is refused or still decodes to the same position (never to
// a position of the attacker's choosing).
func FuzzRoundTrip(f *testing.F) {
	codec := pagination.NewCodec("fuzz-secret")
	f.Add("activities", "0192c4e8-7a1b-7c3d-9e8f-0a1b2c3d4e5f", int64(1), 0, byte('x'))
	f.Add("activities?status=done", "", int64(-1), 5, byte(0))
	f.Add("", "\x00\xff", int64(1)<<62, 30, byte('.'))
	f.Fuzz(func(t *testing.T, list, id string, key int64, at int, b byte) {
		want := position{ID: id, Key: key}
		cursor := codec.Encode(list, want)
		var got position
		if err := codec.Decode(list, cursor, &got); err != nil {
			if len(cursor) > 1024 {
				return // over the accepted length: refused by design
			}
			t.Fatalf("Decode(Encode(%+v)) = %v", want, err)
		}
		// JSON replaces invalid UTF-8 by U+FFFD; ids are valid UTF-8.
		if got.Key != want.Key || (utf8.ValidString(id) && got.ID != want.ID) {
			t.Fatalf("round trip: %+v -> %+v", want, got)
		}
		if err := codec.Decode(list+"x", cursor, &got); apperr.CodeOf(err) != apperr.CodeInvalidCursor {
			t.Fatalf("cursor of %q accepted on %q: %v", list, list+"x", err)
		}
		if len(cursor) == 0 {
			return
		}
		i := at % len(cursor)
		if i < 0 {
			i = -i
		}
		tampered := []byte(cursor)
		if tampered[i] == b {
			return
		}
		tampered[i] = b
		var forged position
		err := codec.Decode(list, string(tampered), &forged)
		if err == nil && forged != got {
			t.Fatalf("tampered cursor %q decoded to %+v, original %+v", tampered, forged, got)
		}
		if err != nil && apperr.CodeOf(err) != apperr.CodeInvalidCursor {
			t.Fatalf("tampered cursor: %v, want invalid_cursor", err)
		}
	})
}

// FuzzLimit checks the limit rule of docs/api.md: 0 means the default, 1..100
// is kept, anything else is validation_failed.
func FuzzLimit(f *testing.F) {
	for _, n := range []int{0, 1, 20, 100, 101, -1, 1 << 40} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int) {
		got, err := pagination.Limit(n)
		switch {
		case n == 0:
			if err != nil || got != pagination.DefaultLimit {
				t.Fatalf("Limit(0) = %d, %v", got, err)
			}
		case n >= 1 && n <= pagination.MaxLimit:
			if err != nil || got != n {
				t.Fatalf("Limit(%d) = %d, %v", n, got, err)
			}
		default:
			if apperr.CodeOf(err) != apperr.CodeValidationFailed {
				t.Fatalf("Limit(%d) = %d, %v, want validation_failed", n, got, err)
			}
		}
	})
}
