package query_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/memory"
	"github.com/zebralabs/zebra/modules/audit/internal/permission"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/pagination"
)

func as(roles ...auth.Role) context.Context {
	return auth.WithPrincipal(context.Background(), auth.NewPrincipal(uuid.Must(uuid.NewV7()), roles, permission.Grants))
}

func seed(t *testing.T, n int) *memory.Store {
	t.Helper()
	s := memory.New()
	for i := range n {
		e := repotest.NewEvent(t, "activity", fmt.Sprint(i%2), "system", "activity.created")
		require.NoError(t, s.Append(context.Background(), e))
	}
	return s
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	s := seed(t, 1)
	list := query.NewListEventsHandler(s, pagination.NewCodec("k"))
	verify := query.NewVerifyChainHandler(s, repotest.Keys)
	tests := []struct {
		name       string
		ctx        context.Context
		listCode   apperr.Code
		verifyCode apperr.Code
	}{
		{"anonymous", context.Background(), apperr.CodeUnauthorized, apperr.CodeUnauthorized},
		{"member", as(auth.RoleMember), apperr.CodeForbidden, apperr.CodeForbidden},
		{"auditor", as(auth.RoleAuditor), "", apperr.CodeForbidden},
		{"admin", as(auth.RoleAdmin), "", ""},
	}
	code := func(err error) apperr.Code {
		if err == nil {
			return ""
		}
		return apperr.CodeOf(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := list.Handle(tt.ctx, query.ListEvents{})
			assert.Equal(t, tt.listCode, code(err))
			_, err = verify.Handle(tt.ctx, query.VerifyChain{})
			assert.Equal(t, tt.verifyCode, code(err))
		})
	}
}

func TestListPagesWithCursorsBoundToFilters(t *testing.T) {
	t.Parallel()
	s := seed(t, 5)
	h := query.NewListEventsHandler(s, pagination.NewCodec("k"))
	ctx := as(auth.RoleAuditor)

	page, err := h.Handle(ctx, query.ListEvents{Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	require.NotNil(t, page.NextCursor)
	seen := map[uuid.UUID]bool{}
	for _, v := range page.Items {
		seen[v.ID] = true
	}
	for page.NextCursor != nil {
		page, err = h.Handle(ctx, query.ListEvents{Limit: 2, Cursor: *page.NextCursor})
		require.NoError(t, err)
		for _, v := range page.Items {
			assert.False(t, seen[v.ID], "repeated %s", v.ID)
			seen[v.ID] = true
		}
	}
	assert.Len(t, seen, 5)

	first, err := h.Handle(ctx, query.ListEvents{Limit: 1, Filter: query.Filter{EntityID: "0"}})
	require.NoError(t, err)
	require.NotNil(t, first.NextCursor)
	_, err = h.Handle(ctx, query.ListEvents{Limit: 1, Cursor: *first.NextCursor, Filter: query.Filter{EntityID: "1"}})
	assert.Equal(t, apperr.CodeInvalidCursor, apperr.CodeOf(err))
	_, err = h.Handle(ctx, query.ListEvents{Cursor: "forged.cursor"})
	assert.Equal(t, apperr.CodeInvalidCursor, apperr.CodeOf(err))
	_, err = h.Handle(ctx, query.ListEvents{Limit: 101})
	assert.Equal(t, apperr.CodeValidationFailed, apperr.CodeOf(err))

	empty, err := h.Handle(ctx, query.ListEvents{Filter: query.Filter{Actor: "nobody"}})
	require.NoError(t, err)
	assert.NotNil(t, empty.Items)
	assert.Nil(t, empty.NextCursor)
}

func TestVerifyChain(t *testing.T) {
	t.Parallel()
	s := seed(t, 4)
	got, err := query.NewVerifyChainHandler(s, repotest.Keys).Handle(as(auth.RoleAdmin), query.VerifyChain{})
	require.NoError(t, err)
	assert.Equal(t, event.Verification{OK: true, Checked: 4}, got)
}

// TestVerifyChainReportsEventsTheServiceDidNotSeal: an event whose MAC
// does not hold breaks the chain there, even with a valid hash.
func TestVerifyChainReportsEventsTheServiceDidNotSeal(t *testing.T) {
	t.Parallel()
	s := seed(t, 2)
	forged, err := event.New(event.Draft{
		ID: uuid.Must(uuid.NewV7()), OccurredAt: time.Now().AddDate(10, 0, 0), Actor: "mallory",
		Action: "activity.created", EntityType: "activity",
	})
	require.NoError(t, err)
	require.NoError(t, s.Append(context.Background(), forged, repotest.NewEvent(t, "activity", "2", "system", "activity.created")))
	got, err := query.NewVerifyChainHandler(s, repotest.Keys).Handle(as(auth.RoleAdmin), query.VerifyChain{})
	require.NoError(t, err)
	assert.Equal(t, event.Verification{OK: false, Checked: 3, FirstBroken: forged.ID()}, got)
}
