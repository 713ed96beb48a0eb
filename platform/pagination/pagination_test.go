package pagination_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/pagination"
)

func TestLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want int
		wantErr  bool
	}{
		{0, 20, false}, {1, 1, false}, {20, 20, false}, {100, 100, false},
		{101, 0, true}, {-1, 0, true},
	}
	for _, tt := range tests {
		got, err := pagination.Limit(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr || (tt.wantErr && apperr.CodeOf(err) != apperr.CodeValidationFailed) {
			t.Errorf("Limit(%d) = %d, %v", tt.in, got, err)
		}
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"no parameters", pagination.Name("users"), "users?"},
		{"sorted keys", pagination.Name("a", "status", "done", "owner", "x"), "a?owner=x&status=done"},
		{"escaped values", pagination.Name("a", "q", "x&status=done"), "a?q=x%26status%3Ddone"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

type row struct{ id uuid.UUID }

func rows(n int) []row {
	out := make([]row, n)
	for i := range out {
		out[n-1-i] = row{uuid.Must(uuid.NewV7())} // newest first
	}
	return out
}

// TestByIDAndAfterID walks a list page by page the way a read model does.
func TestByIDAndAfterID(t *testing.T) {
	t.Parallel()
	codec := pagination.NewCodec("secret")
	list := pagination.Name("widgets", "owner", "me")
	all := rows(7)
	var seen []uuid.UUID
	cursor := ""
	for range 10 {
		after, err := codec.AfterID(list, cursor)
		if err != nil {
			t.Fatal(err)
		}
		var fetched []row // what "id < after ORDER BY id DESC LIMIT 3+1" returns
		for _, r := range all {
			if (after == nil || r.id.String() < after.String()) && len(fetched) < 4 {
				fetched = append(fetched, r)
			}
		}
		page := pagination.ByID(codec, list, fetched, 3, func(r row) uuid.UUID { return r.id })
		for _, r := range page.Items {
			seen = append(seen, r.id)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 7 {
		t.Fatalf("walked %d items, want 7", len(seen))
	}
	for i := range seen {
		if seen[i] != all[i].id {
			t.Fatalf("item %d out of order", i)
		}
	}
}

func TestAfterIDRejectsForeignAndForgedCursors(t *testing.T) {
	t.Parallel()
	codec := pagination.NewCodec("secret")
	page := pagination.ByID(codec, "widgets?", rows(3), 2, func(r row) uuid.UUID { return r.id })
	if page.NextCursor == nil || len(page.Items) != 2 {
		t.Fatalf("page = %+v", page)
	}
	good := *page.NextCursor
	tests := []struct {
		name, list, cursor string
	}{
		{"another list", "gadgets?", good},
		{"another secret", "widgets?", pagination.NewCodec("other").Encode("widgets?", map[string]string{"id": uuid.NewString()})},
		{"tampered payload", "widgets?", "x" + good[1:]},
		{"no signature", "widgets?", strings.Split(good, ".")[0]},
		{"nil id", "widgets?", codec.Encode("widgets?", map[string]string{"id": uuid.Nil.String()})},
		{"not an id", "widgets?", codec.Encode("widgets?", map[string]string{"id": "x"})},
		{"too long", "widgets?", strings.Repeat("a", 2000)},
	}
	for _, tt := range tests {
		if _, err := codec.AfterID(tt.list, tt.cursor); apperr.CodeOf(err) != apperr.CodeInvalidCursor {
			t.Errorf("%s: err = %v, want invalid_cursor", tt.name, err)
		}
	}
	if after, err := codec.AfterID("widgets?", good); err != nil || *after != page.Items[1].id {
		t.Fatalf("AfterID(good) = %v, %v", after, err)
	}
}

func TestByIDLastPageHasNoCursor(t *testing.T) {
	t.Parallel()
	codec := pagination.NewCodec("secret")
	page := pagination.ByID(codec, "w?", rows(2), 2, func(r row) uuid.UUID { return r.id })
	if page.NextCursor != nil || len(page.Items) != 2 {
		t.Fatalf("page = %+v", page)
	}
	empty := pagination.ByID[row](codec, "w?", nil, 2, func(r row) uuid.UUID { return r.id })
	if empty.Items == nil || len(empty.Items) != 0 {
		t.Fatalf("empty page items = %#v, want [] (never null)", empty.Items)
	}
}
