package httpapi

import (
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/etag"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// Activity is an activity on the wire (docs/api.md).
type Activity struct {
	ID          string  `json:"id" format:"uuid" doc:"UUIDv7, time-ordered."`
	Title       string  `json:"title" doc:"1..200 characters, trimmed, no control characters."`
	Description *string `json:"description" nullable:"true" doc:"Up to 5000 characters, or null."`
	Status      string  `json:"status" enum:"planned,in_progress,done,cancelled"`
	OwnerID     string  `json:"ownerId" format:"uuid"`
	CreatedAt   string  `json:"createdAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	UpdatedAt   string  `json:"updatedAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	CreatedBy   string  `json:"createdBy" format:"uuid"`
	UpdatedBy   string  `json:"updatedBy" format:"uuid"`
	Version     int     `json:"version" minimum:"1" doc:"Starts at 1, +1 on every change; the ETag is its quoted value."`
}

// activityOf converts a view to the wire.
func activityOf(v query.Activity) Activity {
	return Activity{
		ID: v.ID.String(), Title: v.Title, Description: v.Description, Status: v.Status, OwnerID: v.OwnerID.String(),
		CreatedAt: timestamp.Format(v.CreatedAt), UpdatedAt: timestamp.Format(v.UpdatedAt),
		CreatedBy: v.CreatedBy.String(), UpdatedBy: v.UpdatedBy.String(), Version: v.Version,
	}
}

// activityOutput is a single activity with its ETag.
type activityOutput struct {
	ETag string `header:"ETag" doc:"The activity's version, quoted: send it back in If-Match."`
	Body Activity
}

func outputOf(v query.Activity) *activityOutput {
	return &activityOutput{ETag: etag.Format(v.Version), Body: activityOf(v)}
}

// presence is a merge-patch field: absent (Set false), null (Set true,
// Value nil) or a string. Huma lets null through for optional properties
// whatever their schema, so the operations check null themselves.
type presence struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the field was present, null or not.
func (p *presence) UnmarshalJSON(b []byte) error {
	p.Set = true
	if string(b) == "null" {
		p.Value = nil
		return nil
	}
	return json.Unmarshal(b, &p.Value)
}

// titlePatch is PATCH's title: a string, never null.
type titlePatch struct{ presence }

// Schema documents the field.
func (titlePatch) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Description: "1..200 characters after trimming; no control characters; not null."}
}

// statusPatch is PATCH's status: one of the statuses, never null.
type statusPatch struct{ presence }

// Schema documents the field; huma validates the enum before decoding.
func (statusPatch) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Type: "string", Enum: []any{"planned", "in_progress", "done", "cancelled"},
		Description: "planned -> in_progress -> done; planned or in_progress -> cancelled; not null.",
	}
}

// descriptionPatch is PATCH's description: null clears it.
type descriptionPatch struct{ presence }

// Schema documents the field as a nullable string of at most 5000
// characters, which huma validates before decoding.
func (descriptionPatch) Schema(huma.Registry) *huma.Schema {
	maxLen := 5000
	return &huma.Schema{
		Type: "string", Nullable: true, MaxLength: &maxLen,
		Description: "Up to 5000 characters; null clears it; absent leaves it unchanged.",
	}
}
