package client_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/client"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }

// bearer sends an access token with every request of a client.
func bearer(token string) client.ClientOption {
	return client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}

func newClient(t *testing.T, base string, opts ...client.ClientOption) *client.ClientWithResponses {
	t.Helper()
	opts = append([]client.ClientOption{client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second})}, opts...)
	c, err := client.NewClientWithResponses(base, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// want fails the test unless resp answered status.
func want(t *testing.T, what string, got int, status int, body []byte) {
	t.Helper()
	if got != status {
		t.Fatalf("%s: want %d, got %d: %s", what, status, got, body)
	}
}

// TestEndToEndThroughTheGeneratedClient runs docs/api.md's main flow through
// the client generated from docs/openapi.json, against the real binary:
// a member signs up, logs in, creates an activity (with an
// Idempotency-Key), lists it, updates it and deletes it (with If-Match);
// an admin bootstrapped by `zebra users create-admin` makes another user
// an auditor, who reads the activity's audit trail; the admin verifies the
// chain. Every body is decoded by the generated types, so a document that
// drifts from what the service sends fails here.
func TestEndToEndThroughTheGeneratedClient(t *testing.T) {
	srv := zebratest.Start(t, zebratest.WithEnv("LOG_LEVEL=warn"))
	ctx := context.Background()
	base := srv.URL("")
	anon := newClient(t, base)
	suffix := fmt.Sprint(time.Now().UnixNano())
	const password = "correct horse battery staple"

	// Sign up: the email comes back normalized.
	email := "Ada." + suffix + "@Example.COM"
	name := "Ada"
	signUp, err := anon.SignUpWithResponse(ctx, nil, client.SignUpJSONRequestBody{Email: "  " + email + " ", Password: password, DisplayName: &name})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "sign-up", signUp.StatusCode(), http.StatusCreated, signUp.Body)
	member := signUp.JSON201
	if member.Email == nil || string(*member.Email) != strings.ToLower(email) || !slices.Equal(member.Roles, []string{"member"}) || member.Version != 1 {
		t.Fatalf("sign-up answered %+v", member)
	}

	// Log in.
	login, err := anon.LogInWithResponse(ctx, client.LogInJSONRequestBody{Email: strings.ToLower(email), Password: password})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "log-in", login.StatusCode(), http.StatusOK, login.Body)
	if login.JSON200.TokenType != "Bearer" || login.JSON200.ExpiresIn <= 0 {
		t.Fatalf("log-in answered %+v", login.JSON200)
	}
	mc := newClient(t, base, bearer(login.JSON200.AccessToken))
	me, err := mc.GetMeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "get-me", me.StatusCode(), http.StatusOK, me.Body)
	if me.JSON200.Id != member.Id {
		t.Fatalf("get-me is %s, signed up %s", me.JSON200.Id, member.Id)
	}

	// Create, with an Idempotency-Key: a retry replays the first answer.
	key := "e2e-" + suffix
	description := "through the generated client"
	newActivity := client.CreateActivityJSONRequestBody{Title: "Write the contract suite", Description: &description}
	created, err := mc.CreateActivityWithResponse(ctx, &client.CreateActivityParams{IdempotencyKey: &key}, newActivity)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "create-activity", created.StatusCode(), http.StatusCreated, created.Body)
	act := created.JSON201
	if act.Status != client.ActivityStatusPlanned || act.OwnerId != member.Id || act.Version != 1 {
		t.Fatalf("create-activity answered %+v", act)
	}
	if loc := created.HTTPResponse.Header.Get("Location"); loc != "/v1/activities/"+act.Id.String() {
		t.Fatalf("Location is %q", loc)
	}
	retry, err := mc.CreateActivityWithResponse(ctx, &client.CreateActivityParams{IdempotencyKey: &key}, newActivity)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "create-activity retried", retry.StatusCode(), http.StatusCreated, retry.Body)
	if retry.JSON201.Id != act.Id || retry.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retry was not a replay: %s %v", retry.Body, retry.HTTPResponse.Header)
	}

	// List: the activity is on the first page, and only once.
	limit := int64(100)
	list, err := mc.ListActivitiesWithResponse(ctx, &client.ListActivitiesParams{Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "list-activities", list.StatusCode(), http.StatusOK, list.Body)
	if n := len(list.JSON200.Items); n != 1 || list.JSON200.Items[0].Id != act.Id || list.JSON200.NextCursor != nil {
		t.Fatalf("list-activities answered %s", list.Body)
	}

	// Update with the ETag in If-Match.
	etag := created.HTTPResponse.Header.Get("ETag")
	title, status := "Write the contract suite, then the client", client.ActivityPatchStatusInProgress
	updated, err := mc.UpdateActivityWithResponse(ctx, act.Id.String(), &client.UpdateActivityParams{IfMatch: &etag},
		client.UpdateActivityJSONRequestBody{Title: &title, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "update-activity", updated.StatusCode(), http.StatusOK, updated.Body)
	if updated.JSON200.Title != title || updated.JSON200.Status != client.ActivityStatusInProgress || updated.JSON200.Version != 2 {
		t.Fatalf("update-activity answered %+v", updated.JSON200)
	}
	stale, err := mc.UpdateActivityWithResponse(ctx, act.Id.String(), &client.UpdateActivityParams{IfMatch: &etag},
		client.UpdateActivityJSONRequestBody{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "update-activity with a stale ETag", stale.StatusCode(), http.StatusPreconditionFailed, stale.Body)

	// Delete with the new ETag; the activity is gone.
	etag = updated.HTTPResponse.Header.Get("ETag")
	deleted, err := mc.DeleteActivityWithResponse(ctx, act.Id.String(), &client.DeleteActivityParams{IfMatch: &etag})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "delete-activity", deleted.StatusCode(), http.StatusNoContent, deleted.Body)
	gone, err := mc.GetActivityWithResponse(ctx, act.Id.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "get-activity after delete", gone.StatusCode(), http.StatusNotFound, gone.Body)
	if gone.JSON404 == nil || gone.JSON404.Code != client.ErrorCodeNotFound {
		t.Fatalf("get-activity after delete answered %s", gone.Body)
	}

	// An admin (bootstrapped by the CLI) makes a second user an auditor.
	adminEmail := "admin." + suffix + "@example.com"
	if code, out, errOut := zebratest.Run(t, srv.Env, "users", "create-admin", "--email", adminEmail, "--password", password); code != 0 {
		t.Fatalf("zebra users create-admin exited %d:\n%s%s", code, out, errOut)
	}
	ac := newClient(t, base, bearer(logIn(t, anon, adminEmail, password)))
	auditorEmail := "auditor." + suffix + "@example.com"
	auditorSignUp, err := anon.SignUpWithResponse(ctx, nil, client.SignUpJSONRequestBody{Email: auditorEmail, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "sign-up (auditor)", auditorSignUp.StatusCode(), http.StatusCreated, auditorSignUp.Body)
	version := fmt.Sprintf("%q", fmt.Sprint(auditorSignUp.JSON201.Version))
	roles, err := ac.ChangeUserRolesWithResponse(ctx, auditorSignUp.JSON201.Id.String(), &client.ChangeUserRolesParams{IfMatch: &version},
		client.ChangeUserRolesJSONRequestBody{Roles: []string{"auditor"}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "change-user-roles", roles.StatusCode(), http.StatusOK, roles.Body)
	if !slices.Equal(roles.JSON200.Roles, []string{"auditor"}) {
		t.Fatalf("change-user-roles answered %+v", roles.JSON200)
	}

	// The auditor reads the activity's trail: created, updated, deleted,
	// newest first, each by the member.
	auditor := newClient(t, base, bearer(logIn(t, anon, auditorEmail, password)))
	entityType, entityID := "activity", act.Id.String()
	trail, err := auditor.ListAuditEventsWithResponse(ctx, &client.ListAuditEventsParams{EntityType: &entityType, EntityId: &entityID})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "list-audit-events", trail.StatusCode(), http.StatusOK, trail.Body)
	var actions []string
	for _, e := range trail.JSON200.Items {
		actions = append(actions, e.Action)
		if e.Actor != member.Id.String() {
			t.Errorf("event %s by %s, want the member %s", e.Action, e.Actor, member.Id)
		}
	}
	if !slices.Equal(actions, []string{"activity.deleted", "activity.updated", "activity.created"}) {
		t.Fatalf("audit trail of the activity: %v\n%s", actions, trail.Body)
	}

	// Members may not read the log; the admin verifies the chain.
	forbidden, err := mc.ListAuditEventsWithResponse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "list-audit-events as a member", forbidden.StatusCode(), http.StatusForbidden, forbidden.Body)
	verify, err := ac.VerifyAuditChainWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "verify-audit-chain", verify.StatusCode(), http.StatusOK, verify.Body)
	if !verify.JSON200.Ok || verify.JSON200.Checked < 3 {
		t.Fatalf("verify-audit-chain answered %s", verify.Body)
	}

	// The refresh token buys a new pair; logging out revokes the family.
	refreshed, err := anon.RefreshTokensWithResponse(ctx, client.RefreshTokensJSONRequestBody{RefreshToken: login.JSON200.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "refresh-tokens", refreshed.StatusCode(), http.StatusOK, refreshed.Body)
	out, err := mc.LogOutWithResponse(ctx, client.LogOutJSONRequestBody{RefreshToken: refreshed.JSON200.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "log-out", out.StatusCode(), http.StatusNoContent, out.Body)
	spent, err := anon.RefreshTokensWithResponse(ctx, client.RefreshTokensJSONRequestBody{RefreshToken: refreshed.JSON200.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "refresh-tokens after log-out", spent.StatusCode(), http.StatusUnauthorized, spent.Body)
}

func logIn(t *testing.T, c *client.ClientWithResponses, email, password string) string {
	t.Helper()
	resp, err := c.LogInWithResponse(context.Background(), client.LogInJSONRequestBody{Email: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "log-in "+email, resp.StatusCode(), http.StatusOK, resp.Body)
	return resp.JSON200.AccessToken
}
