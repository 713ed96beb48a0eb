package pagination

import (
	"net/url"

	"github.com/google/uuid"
)

// Name names a list for cursor binding: the list and every parameter that
// shapes it (filters, and the caller when what a caller sees depends on
// who asks), as "orders?caller=..&status=..". Pairs are key, value;
// values are escaped and keys sorted, so no two different lists share a
// name. A cursor is valid only for the name it was issued for.
func Name(list string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return list + "?" + v.Encode()
}

// idPosition is the cursor position of a list ordered by id, newest first:
// the id of the last item shown.
type idPosition struct {
	ID uuid.UUID `json:"id"`
}

// AfterID decodes the cursor of a newest-first-by-id list: the next page
// holds the items whose id is below the returned one. An empty cursor (the
// first page) gives nil; anything this service did not issue for list is
// invalid_cursor.
func (c *Codec) AfterID(list, cursor string) (*uuid.UUID, error) {
	if cursor == "" {
		return nil, nil
	}
	var pos idPosition
	if err := c.Decode(list, cursor, &pos); err != nil {
		return nil, err
	}
	if pos.ID == uuid.Nil {
		return nil, errInvalid
	}
	return &pos.ID, nil
}

// ByID builds the page of a newest-first-by-id list from rows fetched with
// ORDER BY id DESC LIMIT limit+1 (and id < AfterID's id when continuing):
// when there is an extra row, the page is cut to limit and NextCursor
// points after its last item, for AfterID to read back.
func ByID[T any](c *Codec, list string, rows []T, limit int, id func(T) uuid.UUID) Page[T] {
	page := Page[T]{Items: rows}
	if page.Items == nil {
		page.Items = []T{}
	}
	if len(rows) > limit {
		page.Items = rows[:limit]
		next := c.Encode(list, idPosition{ID: id(rows[limit-1])})
		page.NextCursor = &next
	}
	return page
}
